"""Pages about issued badges."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import badges_held_by


@login_required
def my_badges(request: HttpRequest) -> HttpResponse:
    issued = list(badges_held_by(recipient=request.user))
    return render(
        request,
        "issued_badges/my_badges.html",
        {"issued": issued, "active_count": sum(not i.is_revoked for i in issued)},
    )

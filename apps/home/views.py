"""Home page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.access.policy import roles_of

from .selectors import dashboard_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    context = {"roles": roles, **dashboard_for(user=request.user, roles=roles)}
    return render(request, "home/home.html", context)

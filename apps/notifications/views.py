"""Resend a badge's e-mail (administrators), from the issued badge's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from apps.issued_badges.models import IssuedBadge

from .services import badge_email_resend


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    issued = get_object_or_404(
        IssuedBadge.objects.administered_by(request.user).select_related("badge", "recipient"), pk=pk
    )
    try:
        badge_email_resend(issued_badge=issued, actor=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, f"The e-mail about “{issued.badge.name}” is on its way to {issued.recipient.email}.")
    return redirect("issued_badges:detail", pk=issued.pk)

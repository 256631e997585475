"""One issued badge with its history; Revoke Badge and Reinstate (one or several)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.access.policy import administers, roles_of

from ..forms import ReinstateForm, RevokeForm
from ..models import IssuedBadge
from ..selectors import issued_badge_history
from ..services import issued_badges_reinstate, issued_badges_revoke
from ..sources import describe_sources


@login_required
@require_GET
def issued_badge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One issued badge: everything about it and its history from the issuance log."""
    visible = IssuedBadge.objects.visible_to(request.user).with_origin()
    issued = get_object_or_404(visible.select_related("recipient__organization", "revoked_by"), pk=pk)
    describe_sources([issued], request.user)
    context = {
        "issued": issued,
        "history": issued_badge_history(issued_badge=issued),
        "can_revoke": administers(request.user, issued.badge.organization_id),
        "may_find": roles_of(request.user).is_staff,
    }
    return render(request, "issued_badges/issued_badge_detail.html", context)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    """Revoke Badge — one or several (bulk from Find Issued Badges), with a required reason."""
    return _change_status(request, RevokeForm(request.POST), issued_badges_revoke)


@login_required
@require_POST
def reinstate(request: HttpRequest) -> HttpResponse:
    """Reinstate: undo a revocation (administrators of the badge's organization), with a required reason."""
    return _change_status(request, ReinstateForm(request.POST), issued_badges_reinstate)


def _change_status(request: HttpRequest, form, change) -> HttpResponse:
    default = reverse("issued_badges:find")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request, default))
    results = change(ids=form.cleaned_data["ids"], actor=request.user, reason=form.cleaned_data["reason"])
    return _report_revocations(request, results, default)


def _report_revocations(request: HttpRequest, results, default: str) -> HttpResponse:
    if len(results) == 1:
        (messages.success if results[0].ok else messages.error)(request, results[0].message)
        return redirect(_back(request, default))
    done = sum(r.ok for r in results)
    (messages.success if done == len(results) else messages.warning)(
        request, f"{done} of {len(results)} changed. Each row's outcome is listed below."
    )
    return render(
        request, "issued_badges/revocation_results.html", {"results": results, "back": _back(request, default)}
    )

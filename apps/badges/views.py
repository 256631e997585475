"""Badge pages: list, profile, create, edit, Award Badge (administrators of the badge's organization)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from apps.access.policy import administrator_required, reachable_people
from apps.issued_badges.forms import notify_choice
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.issued_badges.sources import describe_sources
from apps.organizations.models import Organization

from .filters import BadgeFilter
from .forms import AwardBadgeForm, BadgeCreateForm, BadgeForm
from .models import Badge
from .selectors import badge_list, badge_profile
from .services import badge_create, badge_update


def _administered_badge(request: HttpRequest, pk: int) -> Badge:
    """The badge if the user administers its organization; 404 otherwise (never confirm it exists)."""
    return get_object_or_404(Badge.objects.administered_by(request.user).select_related("organization"), pk=pk)


administrators_only = administrator_required("Only organization administrators manage badges.")


@login_required
@administrators_only
def badge_list_view(request: HttpRequest) -> HttpResponse:
    filters = BadgeFilter(request.GET, queryset=badge_list(user=request.user), request=request)
    page = Paginator(filters.rows, 24).get_page(request.GET.get("page"))
    return render(request, "badges/badge_list.html", {"filter": filters, "page": page, "search": filters.cleaned("q")})


@login_required
def badge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    badge = _administered_badge(request, pk)
    profile = badge_profile(badge=badge)
    page = Paginator(profile.pop("recipients"), 50).get_page(request.GET.get("page"))
    page.object_list = describe_sources(list(page.object_list), request.user)
    return render(request, "badges/badge_detail.html", {"badge": badge, "page": page, **profile})


@login_required
@administrators_only
def badge_create_view(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.administered_by(request.user)
    form = BadgeCreateForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        badge = badge_create(
            organization=data.pop("organization"),
            actor=request.user,
            **{k: v for k, v in data.items() if v is not None},
        )
        messages.success(request, f"Badge “{badge.name}” created.")
        return redirect("badges:detail", pk=badge.pk)
    return render(request, "badges/badge_form.html", {"form": form, "creating": True})


@login_required
def badge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    badge = _administered_badge(request, pk)
    form = BadgeForm(request.POST or None, request.FILES or None, instance=badge)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if "image" in changed and changed["image"] is False:  # "Clear" ticked
            changed["image"] = ""
        badge_update(badge=badge, **changed)
        messages.success(request, f"Badge “{badge.name}” saved.")
        return redirect("badges:detail", pk=badge.pk)
    return render(request, "badges/badge_form.html", {"form": form, "badge": badge, "creating": False})


@login_required
def badge_award(request: HttpRequest, pk: int) -> HttpResponse:
    """Award Badge: the badge to up to 50 people named by username, through the door; then its outcome page."""
    badge = _administered_badge(request, pk)
    people = reachable_people(request.user, badge.organization_id)
    blocked = _why_not_awardable(badge)  # shown on the page, the form disabled
    form = AwardBadgeForm(
        request.POST or None, initial={"key": uuid.uuid4().hex}, people=people, badge=badge, blocked=blocked
    )
    if request.method == "POST" and not blocked and form.is_valid():
        recipients = form.cleaned_data["usernames"]
        report = badges_issue(
            IssueRequest(
                badge_ids=[badge.pk],
                recipient_ids=recipients,
                actor=request.user,
                source=Source.USERNAMES,
                organization=badge.organization,
                idempotency_key=form.cleaned_data["key"],  # an edited list is a new issuance,
                notify=notify_choice(form.cleaned_data["notify"]),
            )
        )
        if report.failed_count:
            messages.warning(
                request, f"“{badge.name}”: {report.issued_count} awarded, {report.failed_count} not awarded."
            )
        else:
            messages.success(request, f"“{badge.name}”: {report.issued_count} awarded.")
        return redirect("issued_badges:batch", batch_uuid=report.batch.uuid)
    return render(request, "badges/badge_award.html", {"badge": badge, "form": form, "blocked": blocked})


def _why_not_awardable(badge: Badge) -> str:
    """Why the badge cannot be awarded by hand now ("" when it can)."""
    if not badge.is_active:
        return f"“{badge.name}” is inactive: activate it to award it."
    if not badge.manual_issuance_enabled:
        return f"“{badge.name}” is not enabled for manual issuance: switch on Enable Manual Issuance to award it."
    return ""

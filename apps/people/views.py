"""People: the list of the people one may see; a person's User profile (administrators); a person's
Achievements/Badges page (their own at /me/badges/, anyone's for the administrators and instructors who may see
them)."""

import logging
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.access.policy import (
    may_see_person_page,
    may_see_profile,
    reaching_organization_ids,
    roles_of,
    staff_required,
)
from apps.accounts.models import User
from apps.accounts.throttling import sign_in_locked_until, sign_in_unlock
from apps.achievements.selectors import explain_achievements
from apps.issued_badges.forms import notify_choice
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.issued_badges.sources import describe_sources

from .filters import PersonFilter
from .forms import AssignBadgeForm
from .selectors import (
    achievements_earned,
    assignable_badges,
    badges_shown_to,
    people_list,
    person_profile,
    person_visible,
)

logger = logging.getLogger(__name__)


def _person_page(request: HttpRequest, person: User) -> HttpResponse:
    issued = describe_sources(list(badges_shown_to(viewer=request.user, person=person)), request.user)
    own_page = person.pk == request.user.pk
    explanations = explain_achievements(viewer=request.user, person=person, holding=issued)
    context = {
        "person": person,
        "own_page": own_page,
        "issued": issued,
        "active_count": sum(not i.is_revoked for i in issued),
        "achievements": achievements_earned(viewer=request.user, person=person),
        "explanations": explanations,
        "all_held": all(explanation.badge_state == "held" for explanation in explanations),
        "can_revoke": not own_page and roles_of(request.user).is_admin,
    }
    return render(request, "people/user_badges.html", context)


@login_required
@require_GET
def my_badges(request: HttpRequest) -> HttpResponse:
    """The student's own Achievements/Badges page."""
    return _person_page(request, request.user)


@login_required
@require_GET
def user_badges(request: HttpRequest, pk: int) -> HttpResponse:
    """A student's Achievements/Badges page, for their administrators and instructors."""
    person = get_object_or_404(User.objects.visible_to(request.user).select_related("organization"), pk=pk)
    if not may_see_person_page(request.user, person):
        raise Http404("No person found.")
    return _person_page(request, person)


@login_required
@require_GET
@staff_required("People is for administrators and instructors.")
def people(request: HttpRequest) -> HttpResponse:
    """People: find a person of one's organizations or classes (administrators and instructors)."""
    filters = PersonFilter(request.GET, queryset=people_list(viewer=request.user), request=request)
    page = Paginator(filters.rows, 50).get_page(request.GET.get("page"))
    return render(request, "people/people_list.html", {"filter": filters, "page": page, "search": filters.cleaned("q")})


def _person_or_404(request: HttpRequest, pk: int) -> User:
    """A person the viewer may see, active or not; 404 otherwise (never confirm they exist)."""
    person = person_visible(viewer=request.user, pk=pk)
    if person is None:
        raise Http404("No person found.")
    return person


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """User profile (administrators): details, organizations and roles, classes, course assignments, badges;
    Assign a badge (POST). Whoever else may see the person is sent to their Achievements/Badges page."""
    person = _person_or_404(request, pk)
    if not may_see_profile(request.user, person):
        if request.method == "GET" and may_see_person_page(request.user, person):
            own = person.pk == request.user.pk
            return redirect("people:my_badges") if own else redirect("people:user_badges", pk=person.pk)
        raise Http404("No person found.")
    if request.method == "POST":
        badges = assignable_badges(viewer=request.user, reaching=reaching_organization_ids(request.user, person))
        _assign(request, person, AssignBadgeForm(request.POST, badges=badges, offered=[], held={}))
        return redirect("people:profile", pk=person.pk)
    shown = person_profile(viewer=request.user, person=person)
    form = AssignBadgeForm(
        badges=shown.assignable, offered=shown.offered, held=shown.held, initial={"key": uuid.uuid4().hex}
    )
    context = {
        "person": person,
        "profile": shown,
        "form": form,
        "now": timezone.now(),
        "locked_until": sign_in_locked_until(person),
    }
    return render(request, "people/profile.html", context)


def _assign(request: HttpRequest, person: User, form: AssignBadgeForm) -> None:
    """Assign a badge through the door; its outcome (or why the form was refused) becomes the page's message."""
    if not form.is_valid():
        messages.error(request, form.first_error)
        return
    badge = form.cleaned_data["badge"]
    report = badges_issue(
        IssueRequest(
            actor=request.user,
            source=Source.PROFILE,
            organization=badge.organization,
            badge_ids=[badge.pk],
            recipient_ids=[person.pk],
            idempotency_key=form.cleaned_data["key"],  # the same form sent twice issues once
            notify=notify_choice(form.cleaned_data["notify"]),
        )
    )
    outcome = report.outcomes[0]
    message = f"This form was already sent: {outcome.message}" if report.replayed else outcome.message
    (messages.success if outcome.ok else messages.error)(request, message)


@login_required
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlock sign-in: clear a person's failed sign-ins (administrators who may open their profile)."""
    person = _person_or_404(request, pk)
    if not may_see_profile(request.user, person):
        raise Http404("No person found.")
    sign_in_unlock(person)
    logger.info("Sign-in unlocked for %s by %s", person.username, request.user.username)
    messages.success(request, f"{person.display_name} can sign in again.")
    return redirect("people:profile", pk=person.pk)

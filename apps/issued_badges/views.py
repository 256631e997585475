"""Pages about issued badges: Find Issued Badges, an issued badge, revoke and reinstate, a student's
Achievements/Badges page, an issuance batch (the outcome ledger), the Choose Badge result."""

import csv
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.achievements.selectors import explain_achievements
from apps.classes.forms import IssueOneBadgeForm
from apps.classes.models import Classroom
from apps.core.pagination import CappedPaginator
from apps.core.roles import roles_of
from apps.organizations.querysets import administered_organization_ids

from .forms import ReinstateForm, RevokeForm
from .models import IssuanceBatch, IssuedBadge
from .outcomes import PairOutcome
from .selectors import (
    DATE_ORDER,
    achievements_earned,
    badges_shown_to,
    batch_failed_pairs,
    batch_retryable_count,
    issued_badge_history,
    issued_badge_rows,
    issued_badge_search,
    iter_batch_outcomes,
)
from .services import badges_issue, batch_report, issued_badges_reinstate, issued_badges_revoke


def _person_page(request: HttpRequest, person) -> HttpResponse:
    issued = list(badges_shown_to(viewer=request.user, person=person))
    context = {
        "person": person,
        "own_page": person.pk == request.user.pk,
        "issued": issued,
        "active_count": sum(not i.is_revoked for i in issued),
        "achievements": achievements_earned(person=person),
        "explanations": explain_achievements(viewer=request.user, person=person, holding=issued),
        "revocable_orgs": administered_organization_ids(request.user),
    }
    return render(request, "issued_badges/user_badges.html", context)


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
    if person.pk != request.user.pk and not (
        administered_organization_ids(request.user) or Classroom.objects.taught_by(request.user).exists()
    ):
        raise Http404("No person found.")
    return _person_page(request, person)


@login_required
@require_GET
def find_issued_badges(request: HttpRequest) -> HttpResponse:
    """Find Issued Badges: filters, a sortable paginated table with the total, Export CSV."""
    roles = _require_finder(request)
    search = issued_badge_search(request=request)
    # Invalid filters show their errors and no rows, rather than silently ignoring what was typed.
    rows = search.qs if not search.is_bound or search.is_valid() else search.queryset.none()
    paginator = CappedPaginator(rows, 50, read_rows=issued_badge_rows, count_order=DATE_ORDER)
    sort_note = ""
    if paginator.capped and request.GET.get("sort", "").lstrip("-") not in ("", "issued"):
        # Over 10,000 rows only the date order is served by an index; sorting on names would sort them all.
        paginator.object_list = rows.order_by(*DATE_ORDER)
        sort_note = "Over 10,000 badges match: they are sorted by date. Narrow the filters to sort by another column."
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": search,
        "page": page,
        "can_revoke": roles.is_admin,
        "revocable_orgs": administered_organization_ids(request.user),
        "query": request.GET.urlencode(),
        "sort_note": sort_note,
        "filter_fields": _filter_fields(search.form),
        # Row links are built from these once per page, not reversed 150 times.
        "urls": {
            "users": reverse("issued_badges:user_badges", args=[1]).removesuffix("1/badges/"),
            "issued": reverse("issued_badges:find"),
            "classes": reverse("classes:list"),
            "assignments": reverse("assignments:list"),
            "batches": reverse("issued_badges:find") + "batches/",
        },
    }
    return render(request, "issued_badges/find.html", context)


def _require_finder(request: HttpRequest):
    """Find Issued Badges and its export: administrators and instructors."""
    roles = roles_of(request.user)
    if not (roles.is_admin or roles.is_instructor):
        raise PermissionDenied("Find Issued Badges is for administrators and instructors.")
    return roles


def _filter_fields(form) -> list[dict]:
    """The filter form as plain data: each dropdown's choices read once, rendered without widget templates."""
    fields = []
    for bound in form:
        if bound.name == "sort":
            continue
        field = bound.field
        value = bound.value()
        options = None
        if hasattr(field, "choices"):
            current = "" if value is None else str(value)
            options = [(str(v), label, str(v) == current) for v, label in field.choices]
        fields.append(
            {
                "name": bound.name,
                "label": bound.label,
                "value": "" if value is None else value,
                "options": options,
                "type": getattr(field.widget, "input_type", "text"),
                "placeholder": field.widget.attrs.get("placeholder", ""),
                "errors": bound.errors,
            }
        )
    return fields


@login_required
@require_GET
def export_issued_badges(request: HttpRequest) -> StreamingHttpResponse:
    """Export CSV of the whole filtered set, streamed in chunks (100,000 rows never sit in memory)."""
    _require_finder(request)
    search = issued_badge_search(request=request)
    found = search.qs if not search.is_bound or search.is_valid() else search.queryset.none()
    rows = found.values_list(
        "uuid", "recipient__username", "recipient__first_name", "recipient__last_name", "recipient__email",
        "badge__name", "badge__organization__name", "issued_at", "source", "classroom__title",
        "course_assignment_id", "achievement__name", "issued_by__username", "revoked_at", "revocation_reason",
    )  # fmt: skip
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            ["id", "username", "first_name", "last_name", "email", "badge", "organization", "issued_at", "source",
             "class", "course_assignment", "achievement", "issued_by", "status", "revoked_at", "revocation_reason"]
        )  # fmt: skip
        for row in rows.iterator(chunk_size=2000):
            *head, revoked_at, reason = row
            head[7] = head[7].isoformat()
            yield writer.writerow(
                [*head, "revoked" if revoked_at else "active", revoked_at.isoformat() if revoked_at else "", reason]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="issued-badges-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


@login_required
@require_GET
def issued_badge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One issued badge: everything about it and its history from the issuance log."""
    issued = get_object_or_404(
        IssuedBadge.objects.visible_to(request.user).select_related(
            "badge__organization",
            "recipient__organization",
            "issued_by",
            "classroom",
            "course_assignment__course",
            "achievement",
            "batch",
            "revoked_by",
        ),
        pk=pk,
    )
    context = {
        "issued": issued,
        "history": issued_badge_history(issued_badge=issued),
        "can_revoke": issued.badge.organization_id in administered_organization_ids(request.user),
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
    form = RevokeForm(request.POST)
    default = reverse("issued_badges:find")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request, default))
    results = issued_badges_revoke(ids=form.cleaned_data["ids"], actor=request.user, reason=form.cleaned_data["reason"])
    return _report_revocations(request, results, default)


@login_required
@require_POST
def reinstate(request: HttpRequest) -> HttpResponse:
    """Reinstate: undo a revocation (administrators of the badge's organization)."""
    form = ReinstateForm(request.POST)
    default = reverse("issued_badges:find")
    if not form.is_valid():
        messages.error(request, "Choose what to reinstate.")
        return redirect(_back(request, default))
    results = issued_badges_reinstate(
        ids=form.cleaned_data["ids"], actor=request.user, reason=form.cleaned_data["reason"]
    )
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


def render_choose_badge(request: HttpRequest, *, recipient, badges, issue_url: str, context_label: str) -> HttpResponse:
    """The Choose Badge dialog: ``badges`` for ``recipient``, those already held marked."""
    held = list(IssuedBadge.objects.filter(recipient=recipient, badge__in=badges).values_list("badge_id", "revoked_at"))
    context = {
        "recipient": recipient,
        "badges": badges,
        "held_ids": {badge_id for badge_id, _ in held},
        "revoked_ids": {badge_id for badge_id, revoked_at in held if revoked_at},
        "issue_url": issue_url,
        "context_label": context_label,
    }
    return render(request, "issued_badges/_choose_badge.html", context)


def select_a_badge(request: HttpRequest, *, back_url: str, **door_context) -> HttpResponse:
    """Select a Badge in the Choose Badge dialog: one badge to one student, through the door."""
    form = IssueOneBadgeForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, "That request was not understood: choose the badge again.")
            return redirect(back_url)
        return render(request, "issued_badges/_choose_badge_invalid.html", status=400)
    report = badges_issue(
        badge_ids=[form.cleaned_data["badge"]],
        recipient_ids=[form.cleaned_data["student"]],
        actor=request.user,
        **door_context,
    )
    return render_choose_badge_result(request, report.outcomes[0], back_url=back_url)


def render_choose_badge_result(request: HttpRequest, outcome: PairOutcome, *, back_url: str) -> HttpResponse:
    """What Select a Badge shows: Successfully Issued Badge, or the reason it failed, inside the dialog."""
    if not request.htmx:  # no JavaScript: say it on the page we came from
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
        return redirect(back_url)
    response = render(request, "issued_badges/_choose_badge_result.html", {"outcome": outcome})
    if outcome.ok:
        response["HX-Trigger"] = json.dumps({"badgeIssued": {"recipient": outcome.recipient_id}})
    return response


def _visible_batch(request: HttpRequest, batch_uuid: uuid.UUID) -> IssuanceBatch:
    batches = IssuanceBatch.objects.visible_to(request.user).select_related(
        "created_by", "classroom", "course_assignment__course", "course_assignment__student", "achievement", "retry_of"
    )
    return get_object_or_404(batches, uuid=batch_uuid)


@login_required
@require_GET
def batch_detail(request: HttpRequest, batch_uuid: uuid.UUID) -> HttpResponse:
    """The outcome ledger of one issuance: who, when, every pair and its outcome."""
    batch = _visible_batch(request, batch_uuid)
    context = {
        "batch": batch,
        "report": batch_report(batch),
        "retry_key": uuid.uuid4().hex,
        "retryable": batch_retryable_count(batch=batch) if batch.failed_count else 0,
        "retries": batch.retries.order_by("created_at"),
    }
    return render(request, "issued_badges/batch_detail.html", context)


@login_required
@require_POST
def batch_retry(request: HttpRequest, batch_uuid: uuid.UUID) -> HttpResponse:
    """Retry failed: submit the failed pairs again, as a new batch linked to this one."""
    batch = _visible_batch(request, batch_uuid)
    key = request.POST.get("key", "")
    pairs = batch_failed_pairs(batch=batch)
    if not key or len(key) > 64:
        messages.error(request, "This page has expired: reload it and press Retry failed again.")
        return redirect("issued_badges:batch", batch_uuid=batch.uuid)
    if not pairs:
        messages.info(request, "Nothing to retry: the failures of this issuance cannot succeed by trying again.")
        return redirect("issued_badges:batch", batch_uuid=batch.uuid)
    report = badges_issue(
        pairs=pairs,
        actor=request.user,
        source=batch.source,
        classroom=batch.classroom,
        course_assignment=batch.course_assignment,
        achievement=batch.achievement,
        organization=batch.organization,
        key=f"{request.user.pk}:retry:{key}",
        retry_of=batch,
    )
    messages.success(request, f"Retried: {report.issued_count} issued, {report.failed_count} failed.")
    return redirect("issued_badges:batch", batch_uuid=report.batch.uuid)


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def batch_csv(request: HttpRequest, batch_uuid: uuid.UUID) -> StreamingHttpResponse:
    """Download CSV: one row per pair with its outcome."""
    batch = _visible_batch(request, batch_uuid)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["student", "username", "badge", "outcome", "description", "issued_badge_id"])
        for o in iter_batch_outcomes(batch=batch):
            yield writer.writerow(
                [o.student_name or "", o.student_username or "", o.badge_name or "", o.code, o.message,
                 o.issued_badge_id or ""]
            )  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="issuance-{batch.created_at:%Y%m%d-%H%M}-{batch.pk}.csv"'
    return response

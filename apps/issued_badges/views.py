"""Pages about issued badges: My Badges, an issuance batch (the outcome ledger), the Choose Badge result."""

import csv
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .models import IssuanceBatch
from .outcomes import PairOutcome
from .selectors import badges_held_by, batch_failed_pairs, batch_retryable_count, iter_batch_outcomes
from .services import badges_issue, batch_report


@login_required
def my_badges(request: HttpRequest) -> HttpResponse:
    issued = list(badges_held_by(recipient=request.user))
    return render(
        request,
        "issued_badges/my_badges.html",
        {"issued": issued, "active_count": sum(not i.is_revoked for i in issued)},
    )


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

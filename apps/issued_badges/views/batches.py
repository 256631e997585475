"""An issuance (one pass through the door): its outcome ledger, Retry failed, Download CSV."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.csv_export import csv_download

from ..models import IssuanceBatch
from ..selectors import batch_failed_pairs, batch_retryable_count, iter_batch_outcomes
from ..services import IssueRequest, badges_issue, batch_report


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
        IssueRequest(
            pairs=pairs,
            actor=request.user,
            source=batch.source,
            classroom=batch.classroom,
            course_assignment=batch.course_assignment,
            achievement=batch.achievement,
            organization=batch.organization,
            idempotency_key=key,
            retry_of=batch,
            evidence=batch.evidence,
            notify=batch.notify,
        )
    )
    messages.success(request, f"Retried: {report.issued_count} issued, {report.failed_count} failed.")
    return redirect("issued_badges:batch", batch_uuid=report.batch.uuid)


@login_required
@require_GET
def batch_csv(request: HttpRequest, batch_uuid: uuid.UUID) -> StreamingHttpResponse:
    """Download CSV: one row per pair with its outcome."""
    batch = _visible_batch(request, batch_uuid)
    rows = (
        [o.student_name or "", o.student_username or "", o.badge_name or "", o.code, o.message, o.issued_badge_id or ""]
        for o in iter_batch_outcomes(batch=batch)
    )
    header = ["student", "username", "badge", "outcome", "description", "issued_badge_id"]
    return csv_download(header, rows, filename=f"issuance-{batch.created_at:%Y%m%d-%H%M}-{batch.pk}.csv")

"""Find Issued Badges: the filtered, sortable, paginated table and its CSV export."""

import functools
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.access.policy import roles_of, staff_required
from apps.core.csv_export import csv_download, refuse_invalid_filters
from apps.core.pagination import CappedPaginator

from ..selectors import DATE_ORDER, issued_badge_rows, issued_badge_search

finders_only = staff_required("Find Issued Badges is for administrators and instructors.")
_NIL = uuid.UUID(int=0)


@login_required
@require_GET
@finders_only
def find_issued_badges(request: HttpRequest) -> HttpResponse:
    """Find Issued Badges: filters, a sortable paginated table with the total, Export CSV."""
    search = issued_badge_search(request=request)
    rows = search.rows  # invalid filters: their errors and no rows, rather than silently ignoring what was typed
    read_rows = functools.partial(issued_badge_rows, viewer=request.user)
    paginator = CappedPaginator(rows, 50, read_rows=read_rows, count_order=DATE_ORDER)
    sort_note = ""
    if paginator.capped and request.GET.get("sort", "").lstrip("-") not in ("", "issued"):
        # Over 10,000 rows only the date order is served by an index; sorting on names would sort them all.
        paginator.object_list = rows.order_by(*DATE_ORDER)
        sort_note = "Over 10,000 badges match: they are sorted by date. Narrow the filters to sort by another column."
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": search,
        "page": page,
        "can_revoke": roles_of(request.user).is_admin,
        "query": request.GET.urlencode(),
        "sort_note": sort_note,
        # Row links are built from these once per page, not reversed 150 times.
        # Row links are a prefix and the row's id: a reverse() per row costs more than the rest of the row.
        "urls": {"issued": reverse("issued_badges:find"), "verify": _prefix("credentials:verify")},
    }
    return render(request, "issued_badges/find.html", context)


@login_required
@require_GET
@finders_only
def export_issued_badges(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Export CSV of the whole filtered set, streamed in chunks (100,000 rows never sit in memory); invalid
    filters are refused with 400 and their reasons, as the page lists nothing for them."""
    search = issued_badge_search(request=request)
    if (refused := refuse_invalid_filters(search)) is not None:
        return refused
    rows = search.rows.values_list(
        "uuid", "recipient__username", "recipient__first_name", "recipient__last_name", "recipient__email",
        "badge__name", "badge__organization__name", "issued_at", "earned_at", "source", "classroom__title",
        "course_assignment_id", "achievement__name", "issued_by__username", "revoked_at", "revocation_reason",
    )  # fmt: skip
    header = [
        "id", "username", "first_name", "last_name", "email", "badge", "organization", "issued_at", "earned_at",
        "source", "class", "course_assignment", "achievement", "issued_by", "status", "revoked_at", "revocation_reason",
    ]  # fmt: skip

    def lines():
        for row in rows.iterator(chunk_size=2000):
            *head, revoked_at, reason = row
            head[7] = head[7].isoformat()
            head[8] = head[8].isoformat() if head[8] else ""
            yield [*head, "revoked" if revoked_at else "active", revoked_at.isoformat() if revoked_at else "", reason]

    return csv_download(header, lines(), filename=f"issued-badges-{timezone.now():%Y%m%d-%H%M}.csv")


def _prefix(name: str) -> str:
    """The path of URL ``name`` up to its uuid: the row's uuid and a slash complete it."""
    return reverse(name, args=[_NIL]).removesuffix(f"{_NIL}/")

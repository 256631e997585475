"""CSV downloads: every export of the portal streams through ``csv_download`` (rows are never all in memory);
an export of a filtered list first asks ``refuse_invalid_filters`` (invalid filters: 400 with the reasons)."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

from .filters import ListFilterSet


class _Echo:
    """A file that hands back what is written to it, so csv.writer yields lines to stream."""

    def write(self, value):
        return value


def csv_download(header: list[str], rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def refuse_invalid_filters(filters: ListFilterSet) -> HttpResponse | None:
    """A 400 answer naming every invalid filter value, in plain text, or None when the filters are valid.

    The list page shows such filters' errors and no rows; an export says the same instead of an empty file
    that would read as "nothing matches"."""
    if not filters.invalid:
        return None
    text = "Nothing was exported: correct these filters first.\n" + "".join(f"{line}\n" for line in filters.problems)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")

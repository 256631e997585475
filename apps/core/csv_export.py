"""CSV downloads: every export of the portal streams through ``csv_download`` (rows are never all in memory);
an export of a filtered list first asks ``refuse_invalid_filters`` (invalid filters: 400 with the reasons).

Every CSV the portal writes goes through ``SafeWriter``: a cell that a spreadsheet would run as a formula — one
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as a badge named ``=HYPERLINK(…)`` or a
revocation reason ``=cmd|…`` would — is written with a leading apostrophe, which spreadsheets show as text
(OWASP's CSV injection advice). ``spreadsheet_text`` takes it off again where the portal reads its own files back.
"""

import csv
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

from .filters import ListFilterSet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """``value`` as a cell no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def spreadsheet_text(cell: str) -> str:
    """A cell of a CSV file as written before ``spreadsheet_safe``."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


class SafeWriter:
    """``csv.writer`` whose cells are ``spreadsheet_safe``."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file that hands back what is written to it, so csv.writer yields lines to stream."""

    def write(self, value):
        return value


def csv_download(header: list[str], rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    writer = SafeWriter(_Echo())

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

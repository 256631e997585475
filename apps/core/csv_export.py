"""CSV downloads: every export of the portal streams through ``csv_download`` (rows are never all in memory)."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


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

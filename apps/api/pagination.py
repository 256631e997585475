"""Lists are paginated by cursor (``?cursor=``): stable while rows are added, cheap at any depth."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


class ChangeFeed(Cursor):
    """``?changed_since=``: oldest change first, so a system that pulls resumes from its last cursor."""

    ordering = ("updated_at", "pk")

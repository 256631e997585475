"""Pagination for very large lists: count at most ``cap`` rows, in one bounded query."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap``: 2,000,000 matching rows read "10,000+" after scanning
    10,001 of them, instead of counting them all on every page view. Pages past the cap are not offered:
    past a few hundred pages, people filter."""

    cap = 10_000

    @cached_property
    def _bounded_count(self) -> int:
        rows = self.object_list
        unsorted = rows.order_by() if hasattr(rows, "order_by") else rows  # counting needs no sort
        return unsorted[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        return self._bounded_count > self.cap

"""Pagination for very large lists: a bounded count, and a page read as ids first, then rows."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap`` and which reads a page in two steps (ids, then rows).

    Its count stops at ``cap``: 2,000,000 matching rows read "10,000+" after scanning
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

    def page(self, number):
        """Read the page's ids first (no joins, cheap even at offset 10,000), then those rows in full."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not hasattr(rows, "values_list"):
            return super().page(number)
        ids = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        by_id = {obj.pk: obj for obj in _same_query(rows).filter(pk__in=ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)


def _same_query(rows):
    """A fresh QuerySet of the same model with the same select_related (no filters, ordering or slice)."""
    fresh = rows.model._default_manager.all()
    fresh.query.select_related = rows.query.select_related
    return fresh

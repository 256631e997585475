"""Pagination for very large lists: a bounded count, and a page read as ids first, then rows."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap`` and which reads a page in two steps (ids, then rows).

    Its count stops at ``cap``: 2,000,000 matching rows read "10,000+" after scanning
    10,001 of them, instead of counting them all on every page view. Pages past the cap are not offered:
    past a few hundred pages, people filter."""

    cap = 10_000

    def __init__(self, object_list, per_page, *, read_rows=None, count_order=(), **kwargs):
        """``read_rows(ids)`` returns a page's rows in the order of ``ids``; by default the model
        instances of the same query (with its select_related). The count is unsorted unless
        ``count_order`` names an order an index serves: then it stops after ``cap`` index entries."""
        super().__init__(object_list, per_page, **kwargs)
        self.read_rows = read_rows or self._same_rows
        self.count_order = count_order

    @cached_property
    def _bounded_count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by(*self.count_order)
        return rows[: self.cap + 1].count()

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
        return self._get_page(self.read_rows(ids), number, self)

    def _same_rows(self, ids):
        """The rows of ``ids`` from a fresh QuerySet of the same model and select_related (no filters,
        ordering or slice), in the order of ``ids``."""
        fresh = self.object_list.model._default_manager.all()
        fresh.query.select_related = self.object_list.query.select_related
        by_id = {obj.pk: obj for obj in fresh.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

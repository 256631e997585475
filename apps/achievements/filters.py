"""The Achievements list's filter bar: words of an achievement's or its badge's name, and its status."""

import django_filters

from apps.core.filters import ListFilterSet, SearchFilter


class AchievementFilter(ListFilterSet):
    """Over the achievements the viewer administers (the view's queryset)."""

    bar_label = "Filter achievements"
    search_fields = ("name", "badge__name")
    columns = {"q": "col-12 col-md", "status": "col-12 col-sm col-md-3", "buttons": "col-12 col-sm-auto"}

    q = SearchFilter(label="Search achievements or badges", placeholder="Achievement or badge name")
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[("active", "Active"), ("inactive", "Inactive")],
        empty_label="Any status",
        method="filter_status",
    )

    def filter_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")

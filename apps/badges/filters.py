"""The badge list's filter bar: the badges of the organizations the viewer administers."""

import django_filters

from apps.core.filters import ListFilterSet, SearchFilter
from apps.organizations.models import Organization


class BadgeFilter(ListFilterSet):
    """Words of a badge's name or description, and (for several) one of the administered organizations."""

    bar_label = "Filter badges"
    submit_label = "Search"
    submit_icon = "search"
    search_fields = ("name", "description")
    whole_phrase = True  # badge names are phrases: "Academy Star" does not mean "Academy Labs Star"
    columns = {"q": "col-12 col-md", "organization": "col-12 col-sm col-md-4", "buttons": "col-12 col-sm-auto"}

    q = SearchFilter(label="Search badges", placeholder="Name or description")
    organization = django_filters.ChoiceFilter(label="Organization", empty_label="Any organization")

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        organizations = Organization.objects.administered_by(request.user).order_by("name", "pk")
        self.offer("organization", organizations.values_list("pk", "name"), at_least=2)

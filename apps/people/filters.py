"""The People list's filter bar: words of a name, username or e-mail, and (for several) a home organization."""

import django_filters

from apps.accounts.models import person_search
from apps.core.filters import ListFilterSet, SearchFilter
from apps.organizations.models import Organization


class PersonFilter(ListFilterSet):
    bar_label = "Filter people"
    submit_label = "Search"
    submit_icon = "search"
    columns = {"q": "col-12 col-md", "organization": "col-12 col-sm col-md-4", "buttons": "col-12 col-sm-auto"}

    q = SearchFilter(label="Search people", placeholder="Name, username or e-mail")
    organization = django_filters.ChoiceFilter(label="Organization", empty_label="Any organization")

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        organizations = Organization.objects.visible_to(request.user).order_by("name", "pk")
        self.offer("organization", organizations.values_list("pk", "name"), at_least=2)

    def word_matches(self, word: str):
        return person_search(word)

"""The class list's and the Roster's filter bars, each limited to what the viewer may see."""

import django_filters
from django.db.models import Q

from apps.accounts.models import person_search
from apps.core.filters import ListFilterSet, SearchFilter

from .selectors import classroom_organizations


class ClassroomFilter(ListFilterSet):
    """Classes: words of a class title, course title or code, and (for several) one of their organizations."""

    bar_label = "Filter classes"
    submit_label = "Search"
    submit_icon = "search"
    search_fields = ("title", "course__title", "course__code")
    columns = {"q": "col-12 col-md", "organization": "col-12 col-sm col-md-4", "buttons": "col-12 col-sm-auto"}

    q = SearchFilter(label="Search classes or courses", placeholder="Class title, course title or code")
    organization = django_filters.ChoiceFilter(label="Organization", empty_label="Any organization")

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.offer("organization", classroom_organizations(user=request.user), at_least=2)


class RosterFilter(ListFilterSet):
    """The Roster of one class (the view has checked the viewer may issue there): words of a student's
    name, username or e-mail."""

    bar_label = "Filter the roster"
    submit_label = "Search"
    submit_icon = "search"
    bar_class = "card-body border-bottom py-2"
    columns = {"q": "col", "buttons": "col-auto"}

    q = SearchFilter(label="Search students", placeholder="Name, username or e-mail")

    def word_matches(self, word: str) -> Q:
        return person_search(word, prefix="student__")

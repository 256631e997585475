"""The Activity list's filter bar: words of a student's name, username or e-mail, and the kind of activity."""

import django_filters

from apps.accounts.models import person_search
from apps.core.filters import ListFilterSet, SearchFilter

from .models import ActivityKind


class ActivityFilter(ListFilterSet):
    """Over the activity the viewer may see (the view's queryset)."""

    bar_label = "Filter activity"
    columns = {"q": "col-12 col-md", "kind": "col-12 col-sm col-md-3", "buttons": "col-12 col-sm-auto"}

    q = SearchFilter(label="Student", placeholder="Name, username or e-mail")
    kind = django_filters.ChoiceFilter(label="Activity", choices=ActivityKind.choices, empty_label="All activities")

    def word_matches(self, word: str):
        return person_search(word, prefix="user__")

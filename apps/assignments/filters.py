"""The course assignment list's filter bar: the assignments of the organizations the viewer administers."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import person_search
from apps.core.filters import ListFilterSet, SearchFilter
from apps.organizations.models import Organization


class AssignmentFilter(ListFilterSet):
    """Words of the student's name, username or e-mail or of the course's title or code; active or expired;
    and (for several) one of the administered organizations."""

    bar_label = "Filter course assignments"
    columns = {"q": "col-12 col-md", "status": "col-6 col-md-2", "organization": "col-6 col-md-3"}

    q = SearchFilter(label="Student or course", placeholder="Name, username, e-mail, course title or code")
    status = django_filters.ChoiceFilter(
        label="Status", choices=[("active", "Active"), ("expired", "Expired")], empty_label="All", method="by_status"
    )
    organization = django_filters.ChoiceFilter(label="Organization", empty_label="Any organization")

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        organizations = Organization.objects.administered_by(request.user).order_by("name", "pk")
        self.offer("organization", organizations.values_list("pk", "name"), at_least=2)

    def word_matches(self, word: str) -> Q:
        return (
            person_search(word, prefix="student__") | Q(course__title__icontains=word) | Q(course__code__icontains=word)
        )

    def by_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == "active":
            return queryset.filter(starts_at__lte=now, expires_at__gt=now)
        return queryset.filter(expires_at__lte=now)

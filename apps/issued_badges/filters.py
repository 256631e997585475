"""Find Issued Badges: the filters, each dropdown limited to what the viewer may see."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import BigIntegerField, Q, Value
from django.utils import timezone

from apps.access import policy
from apps.accounts.models import User, display_name, person_search
from apps.core.filters import ListFilterSet

from .models import IssuedBadge, IssuedBadgeFacet, Source, related_model
from .sources import AUTOMATIC as AUTOMATIC_LABEL

AUTOMATIC = "automatic"  # the "Issued by" choice of badges nobody issued by hand (the automatic evaluation)


def filter_choices(user) -> dict[str, list[tuple[object, str]]]:
    """Every dropdown of Find Issued Badges as (value, label) pairs: every value of the rows ``user`` sees is
    offered, and nothing else of other organizations'.

    Read in the parts of the access rule (``policy.issued_badge_parts``): who issued, from which source, in which
    class or course assignment comes from the facets the door records (IssuedBadgeFacet: a few rows per
    organization, however many badges) of the organizations the viewer administers and of their own issuances;
    the values of the viewer's other rows (held, or their students' where they teach) from those rows. One UNION
    for both. The badges offered are those of these rows and the visible badges of these organizations. Plain
    rows, no model instances; these lists also validate what is submitted, so a chosen id costs no query.
    """
    parts = policy.issued_badge_parts(user)
    columns = ("organization_id", "classroom_id", "course_assignment_id", "issued_by_id", "source")
    rows = IssuedBadge.objects.filter(parts.rows).order_by()
    rows = rows.values_list("badge_id", "badge__organization_id", *columns[1:])
    facets = IssuedBadgeFacet.objects.filter(parts.facets).order_by()
    facets = facets.values_list(Value(None, output_field=BigIntegerField()), *columns)
    found = list(rows.union(facets))  # one query, each combination once
    badge_ids, organization_ids, class_ids, assignment_ids = ({row[i] for row in found} - {None} for i in range(4))
    issuer_ids, sources = {row[4] for row in found}, {row[5] for row in found}
    issued_by_source = {(row[4], row[5]) for row in found}
    admin = parts.administered

    badges = (
        related_model("badge")
        .objects.filter(
            Q(organization__in=admin)
            | Q(pk__in=badge_ids)
            | Q(organization__in=organization_ids, pk__in=related_model("badge").objects.visible_to(user))
        )
        .order_by("name", "pk")
        .values_list("pk", "name", "organization_id", "organization__name")
    )
    organizations = {}
    badge_choices = []
    for pk, name, organization_id, organization_name in badges:
        badge_choices.append((pk, name))
        organizations[organization_id] = organization_name
    classrooms = related_model("classroom").objects.filter(
        Q(organization__in=admin) | Q(pk__in=class_ids) | Q(pk__in=policy.taught_classrooms(user))
    )
    assignments = related_model("course_assignment").objects
    assignments = assignments.filter(Q(organization__in=admin) | Q(pk__in=assignment_ids))
    issuers = User.objects.filter(pk__in=issuer_ids - {None}).order_by("last_name", "first_name", "username")
    return {
        "badge": badge_choices,
        "organization": sorted(organizations.items(), key=lambda item: (item[1], item[0])),
        "classroom": list(classrooms.order_by("-starts_at", "pk").values_list("pk", "title")),
        "course_assignment": [
            (pk, f"{course} for {display_name(first, last, username)}")
            for pk, course, first, last, username in assignments.order_by("-starts_at", "pk").values_list(
                "pk", "course__title", "student__first_name", "student__last_name", "student__username"
            )
        ],
        "source": [(value, label) for value, label in Source.choices if value in sources],
        "issued_by": [
            (pk, display_name(first, last, username))
            for pk, first, last, username in issuers.values_list("pk", "first_name", "last_name", "username")
        ]
        + ([(AUTOMATIC, AUTOMATIC_LABEL)] if (None, Source.ACHIEVEMENT) in issued_by_source else []),
    }


STUDENT_IDS_LIMIT = 2000


class DateInput(forms.DateInput):
    input_type = "date"


class IssuedBadgeFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", "“Issued to” must be on or after “Issued from”.")
        return cleaned


class IssuedBadgeFilter(ListFilterSet):
    """The filter bar of Find Issued Badges; the column links' sort order is carried, not shown."""

    bar_label = "Filter issued badges"
    column = "col-6 col-lg-3"  # ten controls: two a row on a phone
    columns = {"student": "col-12 col-sm-6 col-lg-3", "buttons": "col-12 col-lg-auto"}
    carried = ("sort",)

    student = django_filters.CharFilter(
        label="Student",
        method="filter_student",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Name, username or e-mail"}),
    )
    # The choices of these seven are the viewer's own, set in __init__ from filter_choices().
    badge = django_filters.ChoiceFilter(label="Badge", empty_label="Any badge")
    organization = django_filters.ChoiceFilter(
        field_name="badge__organization", label="Organization", empty_label="Any organization"
    )
    classroom = django_filters.ChoiceFilter(label="Class", empty_label="Any class")
    course_assignment = django_filters.ChoiceFilter(label="Course assignment", empty_label="Any course assignment")
    source = django_filters.ChoiceFilter(empty_label="Any source")
    issued_by = django_filters.ChoiceFilter(label="Issued by", empty_label="Anyone", method="filter_issued_by")
    issued_from = django_filters.DateFilter(label="Issued from", method="filter_from", widget=DateInput)
    issued_to = django_filters.DateFilter(label="Issued to", method="filter_to", widget=DateInput)
    status = django_filters.ChoiceFilter(
        choices=[("active", "Active"), ("revoked", "Revoked")],
        method="filter_status",
        label="Status",
        empty_label="Any status",
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("recipient__last_name", "student"),
            ("badge__name", "badge"),
            ("badge__organization__name", "organization"),
            ("issued_at", "issued"),
            ("source", "source"),
            ("issued_by__last_name", "issued_by"),
            ("revoked_at", "status"),
        ),
        label="Sort by",
    )

    class Meta:
        model = IssuedBadge
        fields = []
        form = IssuedBadgeFilterForm

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        for name, choices in filter_choices(request.user).items():
            self.offer(name, choices)

    def filter_student(self, queryset, name, value):
        """Every word typed matches the student's username, first or last name or e-mail ("ava ngu").

        The students are found first (one query, trigram indexes on PostgreSQL) and their ids handed
        to the badge query, which then reads their badges by recipient instead of scanning every badge.
        """
        students = User.objects.filter(person_search(value))
        ids = list(students.order_by().values_list("pk", flat=True)[: STUDENT_IDS_LIMIT + 1])
        if len(ids) > STUDENT_IDS_LIMIT:  # a very short search: let the database join instead
            return queryset.filter(recipient__in=students.values("pk"))
        return queryset.filter(recipient_id__in=ids)

    @staticmethod
    def _day_start(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    def filter_from(self, queryset, name, value):
        return queryset.filter(issued_at__gte=self._day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(issued_at__lt=self._day_start(value + timedelta(days=1)))

    def filter_issued_by(self, queryset, name, value):
        if value == AUTOMATIC:
            return queryset.filter(issued_by__isnull=True, source=Source.ACHIEVEMENT)
        return queryset.filter(issued_by=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=value == "active")

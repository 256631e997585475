"""Find Issued Badges: the filters, each dropdown limited to what the viewer may see."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Membership, User, person_search
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.classes.models import ClassInstructor, Classroom
from apps.organizations.models import Organization
from apps.organizations.querysets import administered_organization_ids

from .models import IssuedBadge, Source


def _badges(request):
    return Badge.objects.visible_to(request.user).select_related("organization").order_by("name")


def _organizations(request):
    return Organization.objects.filter(pk__in=_badges(request).values("organization_id")).order_by("name")


def _classrooms(request):
    user = request.user
    return Classroom.objects.filter(
        Q(pk__in=Classroom.objects.administered_by(user)) | Q(pk__in=Classroom.objects.taught_by(user))
    ).order_by("-starts_at")


def _assignments(request):
    return (
        CourseAssignment.objects.administered_by(request.user)
        .select_related("course", "student")
        .order_by("-starts_at")
    )


def _issuers(request):
    """People who may have issued what the viewer sees: administrators and instructors of their organizations.

    The ids are read first (two small queries): an OR of subqueries would scan every user.
    """
    user = request.user
    admin_ids = administered_organization_ids(user)
    staff = Membership.objects.filter(
        organization__in=admin_ids, role__in=[Membership.Role.ADMINISTRATOR, Membership.Role.INSTRUCTOR]
    )
    teaching = ClassInstructor.objects.filter(
        Q(classroom__organization__in=admin_ids) | Q(classroom__in=Classroom.objects.taught_by(user))
    )
    ids = {user.pk, *staff.values_list("user_id", flat=True), *teaching.values_list("instructor_id", flat=True)}
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")


STUDENT_IDS_LIMIT = 2000


class DateInput(forms.DateInput):
    input_type = "date"


class IssuedBadgeFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"
        self.fields["student"].widget.attrs["placeholder"] = "Name, username or e-mail"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", "“Issued to” must be on or after “Issued from”.")
        return cleaned


class IssuedBadgeFilter(django_filters.FilterSet):
    student = django_filters.CharFilter(label="Student", method="filter_student", max_length=100)
    badge = django_filters.ModelChoiceFilter(queryset=_badges, empty_label="Any badge")
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations, field_name="badge__organization", label="Organization", empty_label="Any organization"
    )
    classroom = django_filters.ModelChoiceFilter(queryset=_classrooms, label="Class", empty_label="Any class")
    course_assignment = django_filters.ModelChoiceFilter(
        queryset=_assignments, label="Course assignment", empty_label="Any course assignment"
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    issued_by = django_filters.ModelChoiceFilter(queryset=_issuers, label="Issued by", empty_label="Anyone")
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

    def filter_status(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=value == "active")

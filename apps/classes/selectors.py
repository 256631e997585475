"""Reads for the class pages."""

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, QuerySet

from apps.access.policy import IssuerScope
from apps.accounts.models import User
from apps.badges.models import Badge
from apps.issued_badges.models import IssuedBadge
from apps.organizations.models import Organization

from .models import Classroom, Enrollment


def _listed_classrooms(user: User) -> QuerySet[Classroom]:
    """The classes the class list shows: those the user may see, except the ones they attend as a student."""
    return Classroom.objects.visible_to(user).exclude(pk__in=user.enrollments.values("classroom_id"))


def classroom_list(*, user: User) -> QuerySet[Classroom]:
    """Classes the user administers or teaches, with course, organization, instructors and head count.

    Three queries per page whatever its size: the count, the rows, the instructors. Filter it with
    ``ClassroomFilter``.
    """
    return (
        _listed_classrooms(user)
        .select_related("organization", "course")
        .annotate(student_count=Count("enrollments"))
        .prefetch_related(Prefetch("instructors", queryset=User.objects.order_by("last_name", "first_name")))
        .order_by("-starts_at", "title")
    )


def classroom_organizations(*, user: User) -> list[tuple[int, str]]:
    """The organizations of the classes in the user's class list, as (id, name): its Organization dropdown."""
    organizations = Organization.objects.filter(pk__in=_listed_classrooms(user).values("organization_id"))
    return list(organizations.order_by("name", "pk").values_list("pk", "name"))


def roster(*, classroom: Classroom) -> QuerySet[Enrollment]:
    """Enrolled students with their organization, by name. Filter it with ``RosterFilter``, paginate it, then
    ``with_badges_held``."""
    return (
        Enrollment.objects.filter(classroom=classroom)
        .select_related("student__organization")
        .only(
            "student__username",
            "student__first_name",
            "student__last_name",
            "student__email",
            "student__organization_id",
            "student__organization__name",
        )
        .order_by("student__last_name", "student__first_name", "student__username")
    )


@dataclass(frozen=True, slots=True)
class HeldBadge:
    name: str
    is_revoked: bool


def with_badges_held(enrollments, *, classroom: Classroom, scope: IssuerScope) -> list[Enrollment]:
    """Attach to each enrollment the badges of the class's organization its student holds (one query) —
    for the students within the viewer's scope (rule 3), whose badges the access policy lets them see;
    ``None`` for the others.

    Plain tuples, not model instances: a page of 50 students holding a few badges each
    renders in a few milliseconds.
    """
    enrollments = list(enrollments)
    held: dict[int, list[HeldBadge]] = {
        e.student_id: [] for e in enrollments if scope.covers(e.student.organization_id)
    }
    rows = (
        IssuedBadge.objects.filter(badge__organization=classroom.organization_id, recipient_id__in=held)
        .order_by(F("revoked_at").asc(nulls_first=True), "badge__name")
        .values_list("recipient_id", "badge__name", "revoked_at")
    )
    for recipient_id, name, revoked_at in rows:
        held[recipient_id].append(HeldBadge(name, revoked_at is not None))
    for enrollment in enrollments:
        enrollment.badges_held = held.get(enrollment.student_id)
    return enrollments


def issuable_students(*, classroom: Classroom, scope: IssuerScope) -> QuerySet[User]:
    """The enrolled students the issuer may reach (rule 3): Choose Student(s) lists exactly these."""
    students = User.objects.filter(enrollments__classroom=classroom).select_related("organization")
    if not scope.permitted:
        return students.none()
    if scope.student_organization_id is not None:
        students = students.filter(organization_id=scope.student_organization_id)
    return students.order_by("last_name", "first_name", "username")


def manual_badges_for(*, classroom: Classroom) -> QuerySet[Badge]:
    """Badges a class can issue by hand: active, Enable Manual Issuance on, of the class's organization."""
    return Badge.objects.for_organization(classroom.organization).manually_issuable().order_by("name")

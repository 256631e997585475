"""Reads for a person's pages: the People list, their User profile, their badges and achievements as the viewer
may see them."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.access.policy import may_open_roster, reaching_organization_ids
from apps.accounts.models import Membership, User
from apps.achievements.models import EarnedAchievement
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.classes.models import ClassInstructor, Classroom, Enrollment
from apps.issued_badges.models import IssuedBadge
from apps.issued_badges.selectors import badges_held_by
from apps.issued_badges.sources import describe_sources
from apps.organizations.models import Organization


def people_list(*, viewer: User) -> QuerySet[User]:
    """The people ``viewer`` may see (the access policy), by name, with their home organization."""
    people = User.objects.visible_to(viewer).filter(is_active=True).select_related("organization")
    return people.order_by("last_name", "first_name", "username")


def person_visible(*, viewer: User, pk: int) -> User | None:
    """One person ``viewer`` may see (active or not), with their home organization; None otherwise."""
    return User.objects.visible_to(viewer).select_related("organization").filter(pk=pk).first()


def badges_shown_to(*, viewer: User, person: User) -> QuerySet[IssuedBadge]:
    """A person's badges as ``viewer`` may see them (everything, when it is their own page)."""
    badges = badges_held_by(recipient=person)
    return badges if viewer.pk == person.pk else badges.filter(pk__in=IssuedBadge.objects.visible_to(viewer))


def achievements_earned(*, viewer: User, person: User) -> QuerySet[EarnedAchievement]:
    """The achievements a person earned that ``viewer`` may see (everything, when it is their own page)."""
    earned = EarnedAchievement.objects.filter(user=person)
    if viewer.pk != person.pk:
        earned = earned.filter(pk__in=EarnedAchievement.objects.visible_to(viewer))
    return earned.select_related("achievement__badge").order_by("-earned_at")


@dataclass(frozen=True)
class ClassRow:
    classroom: Classroom
    role: str  # "Student" or "Instructor"
    may_open_roster: bool


@dataclass(frozen=True)
class Profile:
    """What a User profile shows of a person, each part as the viewer may see it."""

    person: User
    memberships: list[Membership]
    classes: list[ClassRow]
    assignments: list[CourseAssignment]
    issued: list[IssuedBadge]  # each with ``source_words``
    assignable: QuerySet[Badge]  # the badges the viewer may assign them (a submission is validated against it)
    offered: list[Badge]  # the same, read for the drop-down
    reaching: set[int]  # the organizations the viewer may assign them badges for

    @property
    def held(self) -> dict[int, str]:
        """Badge id → "held" or "revoked", for the badges of the drop-down they already have."""
        return {item.badge_id: "revoked" if item.is_revoked else "held" for item in self.issued}

    @property
    def active_count(self) -> int:
        return sum(not item.is_revoked for item in self.issued)

    @property
    def why_none(self) -> str:
        """Why no badge can be assigned to them now ("" when one can)."""
        name = self.person.display_name
        if not self.person.is_active:
            return f"{name} is inactive: no badge can be assigned to them."
        if not self.reaching:
            return f"{name} is not a person of an organization you administer: you cannot assign them a badge."
        if not self.offered:
            return "None of your organizations' active badges has Enable Manual Issuance switched on."
        held = self.held
        if all(badge.pk in held for badge in self.offered):
            revoked = any(held[badge.pk] == "revoked" for badge in self.offered)
            again = " A revoked one comes back only through Reinstate." if revoked else ""
            return f"{name} already has every badge you may assign them.{again}"
        return ""


def assignable_badges(*, viewer: User, reaching: set[int]) -> QuerySet[Badge]:
    """Badges ``viewer`` may assign by hand for these organizations: active, Enable Manual Issuance checked, of
    an organization they administer (the door checks all of it again)."""
    badges = Badge.objects.administered_by(viewer).manually_issuable().filter(organization__in=reaching)
    return badges.select_related("organization").order_by("organization__name", "name", "pk")


def person_profile(*, viewer: User, person: User) -> Profile:
    """A person's User profile as ``viewer`` (an administrator) may see it: a fixed number of queries however
    many roles, classes, course assignments and badges they have."""
    memberships = Membership.objects.filter(user=person, organization__in=Organization.objects.visible_to(viewer))
    attended = Enrollment.objects.filter(student=person).values("classroom_id")
    teaching = ClassInstructor.objects.filter(instructor=person)
    classrooms = (
        Classroom.objects.visible_to(viewer)
        .filter(Q(pk__in=attended) | Q(pk__in=teaching.values("classroom_id")))
        .annotate(teaches=Exists(teaching.filter(classroom=OuterRef("pk"))))
        .select_related("organization", "course")
    )
    assignments = CourseAssignment.objects.visible_to(viewer).filter(student=person)
    issued = describe_sources(list(badges_shown_to(viewer=viewer, person=person)), viewer)
    reaching = reaching_organization_ids(viewer, person)
    assignable = assignable_badges(viewer=viewer, reaching=reaching)
    return Profile(
        person=person,
        memberships=list(memberships.select_related("organization").order_by("organization__name", "role")),
        classes=[
            ClassRow(
                classroom=classroom,
                role="Instructor" if classroom.teaches else "Student",
                may_open_roster=may_open_roster(viewer, classroom.pk, classroom.organization_id),
            )
            for classroom in classrooms.order_by("-starts_at", "title", "pk")
        ],
        assignments=list(assignments.select_related("course", "organization").order_by("-starts_at", "pk")),
        issued=issued,
        assignable=assignable,
        offered=list(assignable) if reaching else [],
        reaching=reaching,
    )

"""The one access policy: who administers what, whom an actor may reach, an instructor's scope in a class,
and which rows of each model an actor may see (DESIGN §1, §3 and §5).

An *actor* is a person (a ``User``) or an organization acting without a person (``OrganizationActor``: what an
organization's API key will act as). Every decision takes the actor; the parts of a rule that concern a person
(what they teach, attend, hold or issued) simply do not apply to an organization actor.

The rule for an issued badge: it is the record of the organization whose badge it is. It is seen by that
organization's administrators, by the instructors of that organization's classes for the students they may
issue to there (rule 3), by whoever issued it, and by its holder. Another organization — even the holder's home
organization — does not see it: it would name the issuing organization's class, issuer and people. The same
holds for earned achievements (the achievement's organization).

This module sits at the bottom of the dependency graph: every app asks it, and it imports none of them. It names
the models it reads by their label, as a ForeignKey does (``_model("classes.Enrollment")``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, wraps

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, Q, QuerySet

ISSUE_BADGE_PERMISSION = "issued_badges.issue_badge"
ADMINISTRATOR, INSTRUCTOR = "administrator", "instructor"  # Membership.Role values


def _model(label: str):
    return apps.get_model(label)


# --- Actors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationActor:
    """An organization acting by itself (an API key): it administers its organization and the children."""

    organization_id: int
    name: str = ""
    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __str__(self) -> str:
        return self.name or f"organization {self.organization_id}"

    @cached_property
    def administered_ids(self) -> set[int]:
        """Its organization and the children, read once per actor (an API request makes one)."""
        return descendant_ids([self.organization_id])


def person_of(actor):
    """The person behind an actor, or None for an organization actor, an anonymous or inactive user."""
    if actor is None or isinstance(actor, OrganizationActor):
        return None
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    return actor


def _active(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


# --- Organizations -----------------------------------------------------------------------------------------


def descendant_ids(root_ids: Iterable[int], *, parents: dict[int, int | None] | None = None) -> set[int]:
    """The given organizations and all their descendants (one query, none given ``parents``)."""
    roots = set(root_ids)
    return set().union(roots, *organization_trees(roots, parents=parents).values()) if roots else roots


def organization_parents() -> dict[int, int | None]:
    """Every organization's parent: the whole tree in one small query (a few hundred rows at most), read without
    the ORM's query building — every access decision about organizations starts here."""
    table = _model("organizations.Organization")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, parent_id FROM {table}")  # noqa: S608 - our table's name, no values
        return dict(cursor.fetchall())


def organization_trees(root_ids: Iterable[int], *, parents: dict[int, int | None] | None = None) -> dict[int, set[int]]:
    """Each given organization's tree: itself and all its descendants (one query for all of them, or none given
    ``parents``: every organization's parent)."""
    if parents is None:
        parents = organization_parents()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents.items():
        children.setdefault(parent_id, []).append(pk)
    trees = {}
    for root in root_ids:
        found, stack = {root}, [root]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        trees[root] = found
    return trees


def administered_organization_ids(actor) -> set[int]:
    """The organizations ``actor`` administers, children included (platform admins: all).

    A person administers where they hold the administrator role *and* the ``issued_badges.issue_badge``
    permission (directly or through a group). Cached on the person for the request.
    """
    if not _active(actor):
        return set()
    if isinstance(actor, OrganizationActor):
        return actor.administered_ids
    cached = getattr(actor, "_administered_organization_ids", None)
    if cached is not None:
        return cached
    if actor.is_superuser:
        ids = set(_model("organizations.Organization").objects.values_list("pk", flat=True))
    else:
        app_label, codename = ISSUE_BADGE_PERMISSION.split(".")
        granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename).filter(
            Q(user=actor) | Q(group__user=actor)
        )
        roots = _model("accounts.Membership").objects.filter(user=actor, role=ADMINISTRATOR).filter(Exists(granted))
        ids = descendant_ids(list(roots.order_by().values_list("organization_id", flat=True)))
    actor._administered_organization_ids = ids
    return ids


def administers(actor, organization_id: int | None) -> bool:
    return organization_id is not None and organization_id in administered_organization_ids(actor)


def _page_for(allowed: Callable, message: str) -> Callable:
    """A view decorator: a request whose user ``allowed`` refuses gets a 403 saying ``message``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def administrator_required(message: str) -> Callable:
    """A page for organization administrators only."""
    return _page_for(lambda user: bool(administered_organization_ids(user)), message)


def staff_required(message: str) -> Callable:
    """A page for administrators and instructors only."""
    return _page_for(lambda user: roles_of(user).is_staff, message)


# --- People -------------------------------------------------------------------------------------------------


def people_of(organization_ids, *, prefix: str = "") -> Q:
    """The people of these organizations: at home in one, with a role in one, or enrolled in one's class."""
    memberships = _model("accounts.Membership").objects.filter(organization__in=organization_ids)
    enrollments = _model("classes.Enrollment").objects.filter(classroom__organization__in=organization_ids)
    return (
        Q(**{f"{prefix}organization__in": organization_ids})
        | Q(**{f"{prefix}pk__in": memberships.values("user_id")})
        | Q(**{f"{prefix}pk__in": enrollments.values("student_id")})
    )


def reachable_people(actor, organization_id: int | None = None) -> QuerySet:
    """The active people ``actor`` may name when acting for ``organization_id`` (Award Badge, a course
    assignment's student, activity records, the API): the people of that organization's tree, provided the
    actor administers it — or, without an organization, of every organization the actor administers.
    Everyone else does not exist for them."""
    users = _model("accounts.User").objects
    if organization_id is None:
        return users.filter(people_of(administered_organization_ids(actor)), is_active=True)
    if not administers(actor, organization_id):
        return users.none()
    return users.filter(people_of(descendant_ids([organization_id])), is_active=True)


def reaching_organization_ids(actor, person) -> set[int]:
    """The organizations ``actor`` administers for which ``person`` is one of ``reachable_people``: those whose
    tree holds the person's home organization, one of their roles or one of their classes (the organizations a
    badge may be assigned to them for, by name). One query, besides the cached administered organizations and
    the organizations' parents."""
    administered = administered_organization_ids(actor)
    if not administered or not person.is_active:
        return set()
    memberships = _model("accounts.Membership").objects.filter(user=person).order_by().values_list("organization_id")
    classes = (
        _model("classes.Enrollment").objects.filter(student=person).order_by().values_list("classroom__organization_id")
    )
    theirs = {pk for (pk,) in memberships.union(classes)} | ({person.organization_id} - {None})
    parents = organization_parents()
    above = set()  # every organization whose tree holds one of theirs: theirs and all their ancestors
    for current in theirs:
        while current is not None and current not in above:
            above.add(current)
            current = parents.get(current)
    return above & administered


def home_people(actor) -> QuerySet:
    """The active people at home in the organizations ``actor`` administers: those whose activity it records.
    Every achievement of a student's home organization counts their activity (points), so another
    organization's administrator may not write it — not even for a student who attends its classes."""
    users = _model("accounts.User").objects
    return users.filter(organization__in=administered_organization_ids(actor), is_active=True)


def staff_of(organization_id: int, *, among: Iterable[int] | None = None) -> Q:
    """A condition on people: the organization's staff — administrators and instructors of its tree (a role there,
    or teaching one of its classes) and the administrators of the organizations above it, who administer it too.
    Staff are not students: badges by hand and course assignments are for students. ``among``: only these people
    are asked about (the index on memberships' user serves it)."""
    parents = organization_parents()
    tree, ancestors, current = descendant_ids([organization_id], parents=parents), set(), parents.get(organization_id)
    while current is not None and current not in ancestors:
        ancestors.add(current)
        current = parents.get(current)
    roles = _model("accounts.Membership").objects.filter(
        Q(organization__in=tree, role__in=[ADMINISTRATOR, INSTRUCTOR])
        | Q(organization__in=ancestors, role=ADMINISTRATOR)
    )
    teaching = _model("classes.ClassInstructor").objects.filter(classroom__organization__in=tree)
    if among is not None:
        among = list(among)
        roles, teaching = roles.filter(user_id__in=among), teaching.filter(instructor_id__in=among)
    return Q(pk__in=roles.values("user_id")) | Q(pk__in=teaching.values("instructor_id"))


def is_staff_of(person, organization_id: int) -> bool:
    """Is ``person`` one of ``staff_of(organization_id)``?"""
    return _model("accounts.User").objects.filter(staff_of(organization_id, among=[person.pk]), pk=person.pk).exists()


# --- Instructors ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuerScope:
    """Whom an actor may issue to in one class (rule 3)."""

    permitted: bool
    # None: every enrolled student; otherwise only enrolled students of this home organization.
    student_organization_id: int | None = None
    is_administrator: bool = False

    def covers(self, student_organization_id: int | None) -> bool:
        return self.permitted and (
            self.student_organization_id is None or student_organization_id == self.student_organization_id
        )


def _instructor_scope(person) -> int | None:
    """A contract instructor reaches every enrolled student; an organization instructor those of their own
    organization (-1: none, for an instructor without one)."""
    return None if person.is_contract_instructor else (person.organization_id or -1)


def issuer_scope(actor, classroom) -> IssuerScope:
    """Administrators of the class's organization: every enrolled student. Its instructors: as
    ``_instructor_scope``. Anyone else: nobody."""
    if not _active(actor):
        return IssuerScope(permitted=False)
    if administers(actor, classroom.organization_id):
        return IssuerScope(permitted=True, is_administrator=True)
    person = person_of(actor)
    teaches = _model("classes.ClassInstructor").objects.filter(classroom=classroom, instructor=person)
    if person is None or not teaches.exists():
        return IssuerScope(permitted=False)
    return IssuerScope(permitted=True, student_organization_id=_instructor_scope(person))


def taught_classrooms(actor) -> QuerySet:
    """Ids of the classes the actor teaches (a subquery; none for an organization actor)."""
    links = _model("classes.ClassInstructor").objects
    person = person_of(actor)
    return (links.filter(instructor=person) if person is not None else links.none()).values("classroom_id")


def taught_classroom_ids(actor) -> set[int]:
    """The classes the actor teaches, read once per request (cached on the person)."""
    person = person_of(actor)
    if person is None:
        return set()
    cached = getattr(person, "_taught_classroom_ids", None)
    if cached is None:
        cached = person._taught_classroom_ids = set(taught_classrooms(person).values_list("classroom_id", flat=True))
    return cached


def may_open_roster(actor, classroom_id: int, organization_id: int) -> bool:
    """``issuer_scope(...).permitted`` for a class known by its ids: for links to its Roster."""
    return administers(actor, organization_id) or classroom_id in taught_classroom_ids(actor)


def instructed_students(actor) -> dict[int, set[int]]:
    """For each organization whose classes the actor teaches: the students enrolled there whom the actor may
    issue to (one query). An instructor sees those students' records of that organization and its children —
    the tree its administrators oversee — and nothing of other organizations'."""
    person = person_of(actor)
    if person is None:
        return {}
    cached = getattr(person, "_instructed_students", None)
    if cached is not None:
        return cached
    scope = _instructor_scope(person)
    rows = (
        _model("classes.Enrollment")
        .objects.filter(classroom__in=taught_classrooms(person))
        .values_list("classroom__organization_id", "student_id", "student__organization_id")
    )
    students: dict[int, set[int]] = {}
    for organization_id, student_id, student_organization_id in rows:
        if scope is None or student_organization_id == scope:
            students.setdefault(organization_id, set()).add(student_id)
    person._instructed_students = students
    return students


def _instructed_trees(person) -> dict[frozenset[int], set[int]]:
    """``instructed_students`` by organization tree (the organization of a taught class and its children):
    what an instructor sees of those students' records (two queries however many organizations)."""
    students = instructed_students(person)
    trees = organization_trees(students) if students else {}
    grouped: dict[frozenset[int], set[int]] = {}
    for organization_id, ids in students.items():
        grouped.setdefault(frozenset(trees[organization_id]), set()).update(ids)
    return grouped


def overseen_organization_ids(actor) -> set[int]:
    """Organizations an actor administers or teaches classes of: whose achievements they may explain."""
    taught = _model("classes.Classroom").objects.filter(pk__in=taught_classrooms(actor))
    return administered_organization_ids(actor) | set(taught.values_list("organization_id", flat=True))


# --- Roles ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    is_platform_admin: bool
    is_admin: bool
    is_instructor: bool
    is_student: bool

    @property
    def is_staff(self) -> bool:
        """Administrators and instructors: Find Issued Badges, People, a student's page."""
        return self.is_admin or self.is_instructor

    @property
    def names(self) -> frozenset[str]:
        flags = {"admin": self.is_admin, "instructor": self.is_instructor, "student": self.is_student}
        return frozenset(name for name, on in flags.items() if on)

    @property
    def label(self) -> str:
        if self.is_platform_admin:
            return "Platform administrator"
        if self.is_admin:
            return "Administrator"
        if self.is_instructor:
            return "Instructor"
        return "Student"


def roles_of(user) -> Roles:
    """The user's roles, worked out once per request (cached on the user object). An organization actor
    administers its organization and nothing else."""
    if isinstance(user, OrganizationActor):
        return Roles(is_platform_admin=False, is_admin=True, is_instructor=False, is_student=False)
    cached = getattr(user, "_roles", None)
    if cached is not None:
        return cached
    is_admin = bool(administered_organization_ids(user))
    teaches = _model("classes.ClassInstructor").objects.filter(instructor=user)
    instructor_role = _model("accounts.Membership").objects.filter(user=user, role=INSTRUCTOR)
    people = _model("accounts.User").objects.filter(pk=user.pk)
    is_instructor = people.filter(Exists(teaches) | Exists(instructor_role)).exists()
    user._roles = Roles(
        is_platform_admin=user.is_superuser,
        is_admin=is_admin or user.is_superuser,
        is_instructor=is_instructor,
        # Everyone may hold badges; "student" is everyone who is neither of the others.
        is_student=not (is_admin or is_instructor or user.is_superuser),
    )
    return user._roles


def may_see_person_page(actor, person) -> bool:
    """A person's Achievements/Badges page (``person`` read from the people visible to ``actor``): their own,
    or anyone's for an administrator or instructor. What it shows of them follows each record's rule."""
    if person_of(actor) is not None and actor.pk == person.pk:
        return True
    return roles_of(actor).is_staff


def may_see_profile(actor, person) -> bool:
    """A person's User profile (``person`` read from the people visible to ``actor``) is the administrators' page:
    any administrator who sees the person. Everyone else who may see the person has their Achievements/Badges
    page (``may_see_person_page``). What the profile shows follows each record's rule."""
    if person is None or person_of(actor) is None:
        return False
    return actor.is_superuser or bool(administered_organization_ids(actor))


# --- What each model shows -------------------------------------------------------------------------------------
# Each rule returns the condition for a non-superuser, active actor; ``person`` is None for an organization actor.


def _organization_rule(qs, actor, person, admin) -> Q:
    condition = Q(pk__in=admin)
    if person is not None:
        memberships = _model("accounts.Membership").objects.filter(user=person).values("organization_id")
        condition |= Q(pk__in=memberships) | Q(pk=person.organization_id)
    return condition


def _user_rule(qs, actor, person, admin) -> Q:
    """Themselves, the people of administered organizations, the students of their classes."""
    condition = people_of(admin)
    if person is not None:
        roster = _model("classes.Enrollment").objects.filter(classroom__in=taught_classrooms(person))
        condition |= Q(pk=person.pk) | Q(pk__in=roster.values("student_id"))
    return condition


def _classroom_rule(qs, actor, person, admin) -> Q:
    condition = Q(organization__in=admin)
    if person is not None:
        attended = _model("classes.Enrollment").objects.filter(student=person).values("classroom_id")
        condition |= Q(pk__in=taught_classrooms(person)) | Q(pk__in=attended)
    return condition


def _course_rule(qs, actor, person, admin) -> Q:
    condition = Q(organization__in=admin)
    if person is not None:
        classes = visible(actor, _model("classes.Classroom").objects.all())
        assigned = _model("assignments.CourseAssignment").objects.filter(student=person)
        condition |= Q(pk__in=classes.values("course_id")) | Q(pk__in=assigned.values("course_id"))
    return condition


def _lab_rule(qs, actor, person, admin) -> Q:
    return Q(course__in=visible(actor, _model("courses.Course").objects.all()))


def _course_assignment_rule(qs, actor, person, admin) -> Q:
    return Q(organization__in=admin) | (Q(student=person) if person is not None else Q(pk__in=[]))


def _badge_rule(qs, actor, person, admin) -> Q:
    """Administered organizations' badges, those of the classes they teach, the badges they hold."""
    condition = Q(organization__in=admin)
    if person is not None:
        taught = _model("classes.Classroom").objects.filter(pk__in=taught_classrooms(person))
        held = _model("issued_badges.IssuedBadge").objects.filter(recipient=person).values("badge_id")
        condition |= Q(organization__in=taught.values("organization_id")) | Q(pk__in=held)
    return condition


def _issued_badge_rule(qs, actor, person, admin) -> Q:
    """See the module's docstring. Badge and student ids are read first (small queries) so that the condition
    is a plain OR of indexed columns: at 2,000,000 rows PostgreSQL walks an index for a page."""
    condition = _personal_issued_badges(person, admin)
    if admin:
        badges = _model("badges.Badge").objects.filter(organization__in=admin)
        condition |= Q(badge_id__in=list(badges.values_list("pk", flat=True)))
    return condition


def _personal_issued_badges(person, admin, *, issued: bool = True) -> Q:
    """The issued badges a person sees outside the organizations they administer: held, issued (unless not
    ``issued``), or their students' in the organization trees they teach in."""
    if person is None:
        return Q(pk__in=[])
    condition = Q(recipient=person) | (Q(issued_by=person) if issued else Q(pk__in=[]))
    taught = [(tree - admin, students) for tree, students in _instructed_trees(person).items()]
    organizations = set().union(*(tree for tree, _ in taught))
    owned = list(
        _model("badges.Badge").objects.filter(organization__in=organizations).values_list("pk", "organization_id")
    )
    for tree, students in taught:
        if badge_ids := sorted(pk for pk, organization_id in owned if organization_id in tree):
            condition |= Q(badge_id__in=badge_ids, recipient_id__in=sorted(students))
    return condition


@dataclass(frozen=True)
class IssuedBadgeParts:
    """What an actor sees of issued badges, in the parts Find Issued Badges' dropdowns are read from."""

    administered: set[int]  # organizations: everything of theirs (platform admins: every organization)
    facets: Q  # of their issued badges' facets (IssuedBadgeFacet): the administered organizations' and their own
    rows: Q  # their other rows, few enough to read: held, or their students' where they teach


def issued_badge_parts(actor) -> IssuedBadgeParts:
    """``_issued_badge_rule`` in parts. What a person issued is read from the facets the door records (an active
    issuer has issued thousands of badges), not from the issued badges."""
    if not _active(actor):
        return IssuedBadgeParts(set(), Q(pk__in=[]), Q(pk__in=[]))
    admin, person = administered_organization_ids(actor), person_of(actor)
    facets = Q(organization__in=admin) | (Q(issued_by=person) if person is not None else Q(pk__in=[]))
    return IssuedBadgeParts(admin, facets, _personal_issued_badges(person, admin, issued=False))


def _issuance_batch_rule(qs, actor, person, admin) -> Q:
    """An issuance names every student it tried: its organization's administrators and whoever made it (an
    instructor does not see another instructor's batch in the same class, which may name students outside
    their scope)."""
    condition = Q(organization__in=admin)
    return condition | Q(created_by=person) if person is not None else condition


def may_open_batch(actor, batch) -> bool:
    """``_issuance_batch_rule`` for one batch already read: for links to it."""
    return may_open_batch_of(actor, batch.organization_id, batch.created_by_id)


def may_open_batch_of(actor, organization_id: int, created_by_id: int | None) -> bool:
    """``_issuance_batch_rule`` for a batch known by its organization and creator."""
    person = person_of(actor)
    return administers(actor, organization_id) or (person is not None and created_by_id == person.pk)


def _earned_achievement_rule(qs, actor, person, admin) -> Q:
    """As issued badges: the achievement's organization, its instructors for their students, the holder."""
    condition = Q(achievement__organization__in=admin)
    if person is not None:
        condition |= Q(user=person)
        for organization_ids, students in _instructed_trees(person).items():
            condition |= Q(achievement__organization__in=organization_ids, user__in=sorted(students))
    return condition


def _activity_rule(qs, actor, person, admin) -> Q:
    """A person's own records; records on administered organizations' catalog; the points of the people at home
    there (points have no target). Subqueries rather than joins: the (kind, target, user) indexes serve them."""
    courses = _model("courses.Course").objects.filter(organization__in=admin).values("pk")
    condition = (
        Q(course__in=courses)
        | Q(lab__in=_model("courses.Lab").objects.filter(course__in=courses).values("pk"))
        | Q(learning_path__in=_model("courses.LearningPath").objects.filter(organization__in=admin).values("pk"))
        | Q(kind="points", user__in=_model("accounts.User").objects.filter(organization__in=admin).values("pk"))
    )
    return condition | Q(user=person) if person is not None else condition


def _owned_rule(qs, actor, person, admin) -> Q:
    """Any other organization-owned model: its organization's administrators."""
    return Q(**{f"{qs.organization_lookup}__in": admin})


RULES: dict[str, Callable] = {
    "organizations.Organization": _organization_rule,
    "accounts.User": _user_rule,
    "classes.Classroom": _classroom_rule,
    "courses.Course": _course_rule,
    "courses.Lab": _lab_rule,
    "assignments.CourseAssignment": _course_assignment_rule,
    "badges.Badge": _badge_rule,
    "issued_badges.IssuedBadge": _issued_badge_rule,
    "issued_badges.IssuanceBatch": _issuance_batch_rule,
    "achievements.EarnedAchievement": _earned_achievement_rule,
    "activity.ActivityRecord": _activity_rule,
}


def visible(actor, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` that ``actor`` may see: none for anonymous or inactive users, all for platform
    admins, otherwise the model's rule."""
    if not _active(actor):
        return queryset.none()
    if getattr(actor, "is_superuser", False):
        return queryset.all()
    rule = RULES.get(queryset.model._meta.label, _owned_rule)
    return queryset.filter(rule(queryset, actor, person_of(actor), administered_organization_ids(actor)))


def administered(actor, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` owned by organizations ``actor`` administers."""
    if _active(actor) and getattr(actor, "is_superuser", False):
        return queryset.all()
    return queryset.filter(**{f"{queryset.organization_lookup}__in": administered_organization_ids(actor)})

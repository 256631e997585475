"""The demo world of DESIGN.md §8, built idempotently with natural keys.

Running ``seed_demo_world`` twice changes nothing: every row is looked up by
its natural key and created only when missing. Demo passwords are set only
when a user is created. Demo only — never run against production data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.achievements.models import Achievement
from apps.activity.models import ActivityRecord
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.classes.models import ClassInstructor, Classroom, Enrollment
from apps.courses.models import Course, Lab, LearningPath, LearningPathCourse
from apps.organizations.models import Organization

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - demo world only, documented
ART = Path(__file__).resolve().parent / "badge_art"


@dataclass(frozen=True)
class DemoUser:
    """A named person of the demo world; ``who`` is how the sign-in page's hint and README describe them."""

    username: str
    first_name: str
    last_name: str
    who: str


ADMIN = DemoUser("admin", "Avery", "Admin", "platform admin (also /admin/)")
NW_ADMIN = DemoUser("nw-admin", "Nadia", "Walsh", "administrator of Northwind Academy (and its child Northwind Labs)")
NW_INSTRUCTOR = DemoUser(
    "nw-instructor", "Ian", "Navarro", "Northwind organization instructor of the class Cloud Fundamentals"
)
CONTRACTOR = DemoUser(
    "contractor", "Casey", "Reed", "contract instructor (home: Contoso Learning) of Cloud Fundamentals"
)
CL_ADMIN = DemoUser(
    "cl-admin", "Clara", "Lindqvist", "administrator of Contoso Learning, teaches Data Analytics Bootcamp"
)
STAFF = (ADMIN, NW_ADMIN, NW_INSTRUCTOR, CONTRACTOR, CL_ADMIN)
NORTHWIND_STUDENTS = [f"nw-student{n:02}" for n in range(1, 31)]
CONTOSO_STUDENTS = [f"cl-student{n:02}" for n in range(1, 11)]
# The demo world's first organization: where it exists, seed_demo has run (the sign-in page's hint asks).
NORTHWIND_SLUG = "northwind-academy"


def demo_logins() -> list[tuple[str, str]]:
    """Every demo login as README's "Demo logins" lists it: (username, or a range of usernames; who)."""
    return [(person.username, person.who) for person in STAFF] + [
        (f"{NORTHWIND_STUDENTS[0]}…{NORTHWIND_STUDENTS[-1]}", "students of Northwind Academy"),
        (f"{CONTOSO_STUDENTS[0]}…{CONTOSO_STUDENTS[-1]}", "students of Contoso Learning"),
    ]


def demo_world_present() -> bool:
    """Whether seed_demo has run on this database."""
    return Organization.objects.filter(slug=NORTHWIND_SLUG).exists()


FIRST_NAMES = [
    "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Isla", "Lucas", "Aria", "Owen",
    "Nora", "Leo", "Chloe", "Eli", "Ruby", "Kai", "Ivy", "Finn", "Lena", "Omar",
    "Sara", "Theo", "Mila", "Jude", "Esme", "Ravi", "Hana", "Tomas", "Lea", "Yusuf",
]  # fmt: skip
LAST_NAMES = [
    "Patel", "Nguyen", "Garcia", "Smith", "Kowalski", "Okafor", "Rossi", "Kim", "Silva", "Müller",
    "Haddad", "Larsen", "Dubois", "Tanaka", "Novak", "Moreau", "Jensen", "Costa", "Ahmed", "Berg",
]  # fmt: skip


class _Seeder:
    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self._password_hash: str | None = None
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)

    def _count(self, model, created: bool):
        if created:
            name = model._meta.verbose_name_plural
            self.created[name] = self.created.get(name, 0) + 1

    def get_or_create(self, model, defaults=None, **lookup):
        """The first row matching ``lookup``, created when there is none. Users of the demo may have added more
        rows that match (a second course assignment of the same course, say): the seed is then satisfied."""
        obj = model.objects.filter(**lookup).order_by("pk").first()
        if obj is None:
            obj = model.objects.create(**lookup, **(defaults or {}))
            self._count(model, created=True)
        return obj

    def password(self) -> str:
        # One hash for every demo user: hashing 45 passwords would take seconds.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def person(self, person: DemoUser, organization, **extra) -> User:
        return self.user(person.username, person.first_name, person.last_name, organization, **extra)

    def user(self, username, first, last, organization, **extra) -> User:
        defaults = {
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            "organization": organization,
            "password": self.password(),
            **extra,
        }
        return self.get_or_create(User, username=username, defaults=defaults)

    def member(self, user, organization, role) -> None:
        self.get_or_create(Membership, user=user, organization=organization, role=role)

    def badge(self, organization, name, art, **defaults) -> Badge:
        badge = self.get_or_create(Badge, organization=organization, name=name, defaults=defaults)
        if not badge.image:
            badge.image.save(f"{art}.svg", ContentFile((ART / f"{art}.svg").read_bytes()), save=True)
        return badge


@transaction.atomic
def seed_demo_world() -> dict[str, int]:
    """Create whatever of the demo world is missing; return how many rows of each kind were made."""
    s = _Seeder()
    Role = Membership.Role

    northwind = s.get_or_create(Organization, slug=NORTHWIND_SLUG, defaults={"name": "Northwind Academy"})
    s.get_or_create(Organization, slug="northwind-labs", defaults={"name": "Northwind Labs", "parent": northwind})
    contoso = s.get_or_create(Organization, slug="contoso-learning", defaults={"name": "Contoso Learning"})

    issue_badge = Permission.objects.get(content_type__app_label="issued_badges", codename="issue_badge")
    s.person(ADMIN, None, is_superuser=True, is_staff=True)
    nw_admin = s.person(NW_ADMIN, northwind)
    nw_admin.user_permissions.add(issue_badge)
    s.member(nw_admin, northwind, Role.ADMINISTRATOR)
    nw_instructor = s.person(NW_INSTRUCTOR, northwind)
    s.member(nw_instructor, northwind, Role.INSTRUCTOR)
    contractor = s.person(CONTRACTOR, contoso, is_contract_instructor=True)
    s.member(contractor, contoso, Role.INSTRUCTOR)
    cl_admin = s.person(CL_ADMIN, contoso)
    cl_admin.user_permissions.add(issue_badge)
    s.member(cl_admin, contoso, Role.ADMINISTRATOR)
    s.member(cl_admin, contoso, Role.INSTRUCTOR)

    nw_students = []
    for n, username in enumerate(NORTHWIND_STUDENTS, start=1):
        student = s.user(username, FIRST_NAMES[n - 1], LAST_NAMES[n % len(LAST_NAMES)], northwind)
        s.member(student, northwind, Role.STUDENT)
        nw_students.append(student)
    cl_students = []
    for n, username in enumerate(CONTOSO_STUDENTS, start=1):
        student = s.user(username, FIRST_NAMES[-n], LAST_NAMES[(n * 7) % len(LAST_NAMES)], contoso)
        s.member(student, contoso, Role.STUDENT)
        cl_students.append(student)

    # Catalog.
    cloud = s.get_or_create(Course, organization=northwind, code="CF-101", defaults={"title": "Cloud Fundamentals"})
    networking = s.get_or_create(
        Course, organization=northwind, code="NET-110", defaults={"title": "Cloud Networking Essentials"}
    )
    security = s.get_or_create(
        Course, organization=northwind, code="SEC-210", defaults={"title": "Securing Cloud Workloads"}
    )
    first_vm = s.get_or_create(
        Lab, course=cloud, code="CF-101-L1", defaults={"title": "Launch your first virtual machine", "position": 1}
    )
    s.get_or_create(Lab, course=cloud, code="CF-101-L2", defaults={"title": "Configure object storage", "position": 2})
    path = s.get_or_create(
        LearningPath,
        organization=northwind,
        code="CLOUD-ARCH",
        defaults={"title": "Cloud Architect Path", "exam_title": "Cloud Architect Exam"},
    )
    for position, course in enumerate([cloud, networking, security], start=1):
        s.get_or_create(LearningPathCourse, learning_path=path, course=course, defaults={"position": position})
    analytics = s.get_or_create(
        Course, organization=contoso, code="DA-100", defaults={"title": "Data Analytics Foundations"}
    )

    # Classes.
    cloud_class = s.get_or_create(
        Classroom,
        organization=northwind,
        title="Cloud Fundamentals",
        defaults={
            "course": cloud,
            "starts_at": s.now - timedelta(days=3),
            "ends_at": s.now + timedelta(days=2),
            "location": "Room 204 and online",
        },
    )
    for instructor in (nw_instructor, contractor):
        s.get_or_create(ClassInstructor, classroom=cloud_class, instructor=instructor)
    for student in nw_students[:20] + cl_students[:5]:
        s.get_or_create(Enrollment, classroom=cloud_class, student=student)
    contoso_class = s.get_or_create(
        Classroom,
        organization=contoso,
        title="Data Analytics Bootcamp",
        defaults={
            "course": analytics,
            "starts_at": s.now - timedelta(days=10),
            "ends_at": s.now - timedelta(days=6),
            "location": "Online",
        },
    )
    s.get_or_create(ClassInstructor, classroom=contoso_class, instructor=cl_admin)
    for student in cl_students:
        s.get_or_create(Enrollment, classroom=contoso_class, student=student)

    # Badges.
    s.badge(
        northwind,
        "Cloud Explorer",
        "cloud-explorer",
        description="Took part in a Northwind cloud class and explored the core services.",
        criteria="Awarded by an instructor for active participation in a cloud class.",
        manual_issuance_enabled=True,
    )
    lab_pioneer = s.badge(
        northwind,
        "Lab Pioneer",
        "lab-pioneer",
        description="Launched a first hands-on cloud lab.",
        criteria="Launch the lab “Launch your first virtual machine”, or be recognised by an instructor.",
        manual_issuance_enabled=True,
    )
    architect = s.badge(
        northwind,
        "Cloud Architect",
        "cloud-architect",
        description="Completed the Cloud Architect Path and passed its exam.",
        criteria="Complete every course of the Cloud Architect Path and pass the Cloud Architect Exam.",
        manual_issuance_enabled=False,
    )
    s.badge(
        contoso,
        "Contoso Star",
        "contoso-star",
        description="Recognised by Contoso Learning for outstanding work.",
        criteria="Awarded by a Contoso instructor.",
        manual_issuance_enabled=True,
    )

    # Achievements.
    s.get_or_create(
        Achievement,
        organization=northwind,
        name="First lab launched",
        defaults={"kind": Achievement.Kind.LAB_LAUNCHED, "lab": first_vm, "badge": lab_pioneer},
    )
    s.get_or_create(
        Achievement,
        organization=northwind,
        name="Cloud Architect Path completed",
        defaults={"kind": Achievement.Kind.LEARNING_PATH_COMPLETED, "learning_path": path, "badge": architect},
    )

    # A course assignment.
    s.get_or_create(
        CourseAssignment,
        organization=northwind,
        course=networking,
        student=nw_students[20],
        defaults={"starts_at": s.now - timedelta(days=5), "expires_at": s.now + timedelta(days=85)},
    )

    # Activity that makes a few students meet achievements at the next evaluation.
    kind = ActivityRecord.Kind
    day = timedelta(days=1)
    activity = [
        (nw_students[0], kind.LAB_LAUNCHED, {"lab": first_vm}, 10, 3),
        (nw_students[1], kind.LAB_LAUNCHED, {"lab": first_vm}, 10, 3),
        (nw_students[2], kind.LAB_LAUNCHED, {"lab": first_vm}, 10, 2),
        (nw_students[2], kind.LAB_COMPLETED, {"lab": first_vm}, 25, 2),
        (nw_students[0], kind.COURSE_COMPLETED, {"course": cloud}, 100, 40),
        (nw_students[0], kind.COURSE_COMPLETED, {"course": networking}, 100, 25),
        (nw_students[0], kind.COURSE_COMPLETED, {"course": security}, 100, 10),
        (nw_students[0], kind.EXAM_PASSED, {"learning_path": path}, 200, 5),
        (nw_students[1], kind.COURSE_COMPLETED, {"course": cloud}, 100, 30),
        (nw_students[1], kind.COURSE_COMPLETED, {"course": networking}, 100, 12),
    ]
    for student, activity_kind, target, points, days_ago in activity:
        s.get_or_create(
            ActivityRecord,
            user=student,
            kind=activity_kind,
            **target,
            defaults={"points": points, "occurred_at": s.now - days_ago * day},
        )
    return s.created

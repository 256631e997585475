"""An activity is recorded once: its natural key (student, kind, target, time; an award's points) is unique in the
database, an
import skips what is already recorded (stored before or repeated in the file) and says so, the record form
refuses a duplicate with a message, and the import page's example file imports as it is."""

import html
import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from apps.accounts.models import User
from apps.achievements.models import Achievement
from apps.achievements.services import achievements_evaluate
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.activity.services import ActivityAlreadyRecorded, activity_import_csv, activity_record_create
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge

LIST = reverse("activity:list")
NEW = reverse("activity:create")
IMPORT = reverse("activity:import")
HEADER = "username,kind,reference,points,occurred_at\n"


def _upload(client, text: str):
    upload = SimpleUploadedFile("activity.csv", text.encode(), content_type="text/csv")
    return client.post(IMPORT, {"file": upload}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _rows(**lookup) -> list[tuple]:
    records = ActivityRecord.objects.filter(**lookup).order_by("occurred_at", "pk")
    return list(records.values_list("user__username", "kind", "course", "lab", "points", "occurred_at"))


# --- Import --------------------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_records_it_once(world, client):
    course, lab = world.alpha.course, world.alpha.lab
    text = HEADER + (
        f"alpha-student,lab_completed,{course.code}/{lab.code},30,2024-03-01T10:00Z\n"
        f"alpha-student,course_completed,{course.code},100,2024-03-02T09:00Z\n"
        "alpha-labs-student,points,,25,2024-03-03T08:00Z\n"
    )
    client.force_login(world.alpha.admin)
    first = _upload(client, text)
    assert _messages(first) == ["3 activity records imported."]
    stored = _rows(occurred_at__year=2024)

    again = _upload(client, text)
    assert again.redirect_chain == [(LIST, 302)]  # not an error: the file is fine, there is just nothing new
    assert _messages(again) == ["0 activity records imported; 3 already recorded (skipped)."]
    assert _rows(occurred_at__year=2024) == stored
    assert stored == [
        ("alpha-student", "lab_completed", None, lab.pk, 30, datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("alpha-student", "course_completed", course.pk, None, 100, datetime(2024, 3, 2, 9, 0, tzinfo=UTC)),
        ("alpha-labs-student", "points", None, None, 25, datetime(2024, 3, 3, 8, 0, tzinfo=UTC)),
    ]


def test_a_row_repeated_in_the_file_is_recorded_once_and_the_page_says_so(world, client):
    """Same student, kind, reference and time: the same activity (points aside: the first line's count). Another
    time or reference is another one, and so is another amount of points awarded (a date without a time)."""
    code = world.alpha.course.code
    text = HEADER + (
        f"alpha-student,course_completed,{code},100,2024-04-01 12:00\n"
        f"ALPHA-STUDENT,course_completed,{code.lower()},100,2024-04-01 12:00\n"  # the same, as typed by another
        f"alpha-student,course_completed,{code},70,2024-04-01 12:00\n"  # the same activity, other points
        f"alpha-student,course_completed,{code},100,2024-04-01 12:01\n"  # a minute later: another one
        "alpha-student,points,,5,2024-04-02\n"
        "alpha-student,points,,5,2024-04-02\n"
        "alpha-student,points,,25,2024-04-02\n"  # another award that day: kept, not lost
    )
    client.force_login(world.alpha.admin)
    response = _upload(client, text)
    assert _messages(response) == ["4 activity records imported; 3 already recorded (skipped)."]
    assert "3 already recorded (skipped)." in response.content.decode()
    assert [(kind, points, when.minute) for _, kind, _, _, points, when in _rows(occurred_at__year=2024)] == [
        ("course_completed", 100, 0),
        ("course_completed", 100, 1),
        ("points", 5, 0),
        ("points", 25, 0),
    ]


def test_a_file_with_an_error_still_imports_nothing_duplicates_or_not(world, client):
    before = ActivityRecord.objects.count()
    text = HEADER + "alpha-student,points,,5,2024-04-02\nalpha-student,points,,5,2024-04-02\nzed,points,,1,2024-04-03\n"
    result = activity_import_csv(actor=world.alpha.admin, content=text.encode())
    assert result.errors == ("Line 4: unknown username “zed”.",) and result.imported == 0
    assert ActivityRecord.objects.count() == before


def test_imported_points_count_once_in_points_reached(world):
    """Before the natural key, importing a file twice gave 2 × 60 points ≥ 100 and the badge was issued."""
    badge = BadgeFactory(organization=world.alpha.org, name="Century")
    AchievementFactory(
        organization=world.alpha.org,
        kind=Achievement.Kind.POINTS_REACHED,
        course=None,
        points_threshold=100,
        badge=badge,
        notification=Achievement.Notification.SILENT,
    )
    content = (HEADER + "alpha-student,points,,60,2024-05-01T10:00Z\n").encode()
    assert activity_import_csv(actor=world.alpha.admin, content=content).imported == 1
    assert activity_import_csv(actor=world.alpha.admin, content=content).already_recorded == 1
    achievements_evaluate(full=True)
    assert list(ActivityRecord.objects.filter(kind="points").values_list("points", flat=True)) == [60]
    assert not IssuedBadge.objects.filter(badge=badge).exists()


# --- Record one activity -------------------------------------------------------------------------------------


def test_the_record_form_refuses_an_exact_duplicate_with_a_message(world, client):
    client.force_login(world.alpha.admin)
    data = {
        "student": "alpha-student",
        "kind": "lab_completed",
        "lab": world.alpha.lab.pk,
        "points": 30,
        "occurred_at": "2024-06-01T14:30",
    }
    assert client.post(NEW, data).status_code == 302
    again = client.post(NEW, {**data, "points": 45})
    assert again.status_code == 200
    message = (
        f"Lab completed “{world.alpha.lab.title}” for {world.alpha.student.display_name} on 2024-06-01 at 14:30 "
        "is already recorded: nothing was added."
    )
    assert again.context["form"].non_field_errors() == [message]
    assert html.escape(message) in again.content.decode()
    assert _rows(kind="lab_completed") == [
        ("alpha-student", "lab_completed", None, world.alpha.lab.pk, 30, datetime(2024, 6, 1, 14, 30, tzinfo=UTC))
    ]
    # Another minute is another activity.
    assert client.post(NEW, {**data, "occurred_at": "2024-06-01T14:31"}).status_code == 302
    assert ActivityRecord.objects.filter(kind="lab_completed").count() == 2


def test_the_service_refuses_a_duplicate_and_writes_nothing(world):
    when = datetime(2024, 7, 1, 8, 0, tzinfo=UTC)
    activity_record_create(student=world.alpha.student, kind="points", points=5, occurred_at=when)
    with pytest.raises(ActivityAlreadyRecorded, match="already recorded"):
        activity_record_create(student=world.alpha.student, kind="points", points=5, occurred_at=when)
    lab = {"student": world.alpha.student, "kind": "lab_completed", "lab": world.alpha.lab, "occurred_at": when}
    activity_record_create(points=1, **lab)
    with pytest.raises(ActivityAlreadyRecorded, match="already recorded"):  # the same lab completed, other points
        activity_record_create(points=2, **lab)
    activity_record_create(student=world.alpha.student, kind="points", points=9, occurred_at=when)  # another award
    assert sorted(ActivityRecord.objects.filter(kind="points").values_list("points", flat=True)) == [5, 9]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda w: {"kind": "points"}, id="no-target"),
        pytest.param(lambda w: {"kind": "course_completed", "course": w.alpha.course}, id="course"),
        pytest.param(lambda w: {"kind": "lab_launched", "lab": w.alpha.lab}, id="lab"),
    ],
)
def test_the_database_refuses_a_second_record_of_the_same_activity(world, target):
    """The unique key holds for every kind, NULL targets included (a plain unique index would let those by)."""
    fields = {"user": world.alpha.student, "occurred_at": datetime(2024, 8, 1, tzinfo=UTC), **target(world)}
    ActivityRecord.objects.create(points=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityRecord.objects.create(points=1, **fields)
    assert ActivityRecord.objects.filter(**fields).count() == 1
    if fields["kind"] == "points":  # another amount at the same moment: a second award
        ActivityRecord.objects.create(points=2, **fields)
        assert ActivityRecord.objects.filter(**fields).count() == 2
    else:  # the same activity, whatever points it carried
        with pytest.raises(IntegrityError), transaction.atomic():
            ActivityRecord.objects.create(points=2, **fields)


# --- The migration -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_of_each_duplicate_before_adding_the_key(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("activity", "0001_initial")])
    old = executor.loader.project_state([("activity", "0001_initial")]).apps.get_model("activity", "ActivityRecord")
    when, other = datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 9, 2, tzinfo=UTC)
    student, course = world.alpha.student.pk, world.alpha.course.pk
    first = old.objects.create(user_id=student, kind="course_completed", course_id=course, points=100, occurred_at=when)
    old.objects.create(user_id=student, kind="course_completed", course_id=course, points=100, occurred_at=when)
    old.objects.create(
        user_id=student, kind="course_completed", course_id=course, points=90, occurred_at=when
    )  # the same course completed at the same moment, whatever its points
    points = old.objects.create(user_id=student, kind="points", points=5, occurred_at=when)
    old.objects.create(user_id=student, kind="points", points=5, occurred_at=when)
    old.objects.create(user_id=student, kind="points", points=5, occurred_at=when)
    ten = old.objects.create(user_id=student, kind="points", points=10, occurred_at=when)  # another award that day
    later = old.objects.create(user_id=student, kind="points", points=5, occurred_at=other)

    executor = MigrationExecutor(connection)
    executor.migrate([("activity", "0002_activity_natural_key")])
    kept = ActivityRecord.objects.filter(occurred_at__in=[when, other]).order_by("pk")
    assert list(kept.values_list("pk", "points")) == [
        (first.pk, 100), (points.pk, 5), (ten.pk, 10), (later.pk, 5)
    ]  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityRecord.objects.create(user_id=student, kind="points", points=5, occurred_at=when)


# --- The example file ----------------------------------------------------------------------------------------


def _example(client) -> str:
    """The file the page's Download link gives (the data: URL), as a user would save it."""
    page = client.get(IMPORT).content.decode()
    link = re.search(r'download="activity-example.csv" href="data:text/csv;charset=utf-8,([^"]*)"', page)
    return unquote(html.unescape(link.group(1)))


@pytest.mark.parametrize(
    ("username", "imported"),
    [("nw-admin", 4), ("cl-admin", 2)],  # Contoso's catalog has a course, but no lab or learning path with an exam
)
def test_the_example_file_imports_as_it_is_on_the_demo_world(db, client, username, imported):
    """It named ava.nguyen and ben.ortiz, who do not exist: 4 errors. Now it names the viewer's own people."""
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username=username))
    example = _example(client)
    assert example.startswith(HEADER)
    usernames = {line.split(",")[0] for line in example.splitlines()[1:]}
    assert "ava.nguyen" not in example and usernames <= set(User.objects.values_list("username", flat=True))

    before = ActivityRecord.objects.count()
    response = _upload(client, example)
    assert response.redirect_chain == [(LIST, 302)]
    assert _messages(response) == [f"{imported} activity records imported."]
    assert ActivityRecord.objects.count() == before + imported
    assert set(ActivityRecord.objects.order_by("-pk")[:imported].values_list("user__username", flat=True)) == usernames
    # Downloaded and imported again: nothing new.
    assert _messages(_upload(client, example)) == [
        f"0 activity records imported; {imported} already recorded (skipped)."
    ]

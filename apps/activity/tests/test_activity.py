"""Activity records: the list, recording one activity, importing a CSV file (administrators only)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import make_student
from apps.activity.models import ActivityRecord
from apps.activity.services import activity_import_csv, activity_record_create
from apps.activity.tests.factories import ActivityRecordFactory
from apps.courses.tests.factories import CourseFactory, LabFactory, LearningPathFactory

LIST = reverse("activity:list")
NEW = reverse("activity:create")
IMPORT = reverse("activity:import")
HEADER = "username,kind,reference,points,occurred_at\n"


def _upload(client, text: str | bytes, name: str = "activity.csv"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def _exam_path(world):
    world.alpha.path.exam_title = "Final exam"
    world.alpha.path.save()
    return world.alpha.path


# --- Access -------------------------------------------------------------------------------------------


def test_only_administrators_reach_the_activity_pages(world, client):
    for url in (LIST, NEW, IMPORT):
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
        for user in (world.alpha.instructor, world.alpha.student, world.outsider):
            client.force_login(user)
            assert client.get(url).status_code == 403
        client.logout()
    client.force_login(world.alpha.student)
    assert _upload(client, HEADER + f"alpha-student,points,,5,{datetime.now(UTC):%Y-%m-%d}\n").status_code == 403
    assert client.post(NEW, {"student": "alpha-student", "kind": "points"}).status_code == 403
    assert ActivityRecord.objects.filter(kind="points").count() == 0


# --- List ---------------------------------------------------------------------------------------------


def test_the_list_shows_activity_on_the_administrators_catalog_newest_first(world, client):
    now = timezone.now()
    lab = ActivityRecordFactory(
        user=world.alpha.student, kind="lab_completed", course=None, lab=world.alpha.lab, occurred_at=now, points=7
    )
    child = ActivityRecordFactory(
        user=world.alpha.child_student, course=world.alpha.child_course, occurred_at=now - timedelta(days=1)
    )
    points = ActivityRecordFactory(
        user=world.alpha.student, kind="points", course=None, occurred_at=now - timedelta(days=9)
    )
    ActivityRecordFactory(user=world.beta.student, kind="points", course=None)
    ActivityRecordFactory(user=world.beta.student, course=world.beta.course)
    ActivityRecordFactory(user=world.alpha.student, course=world.beta.course)  # Beta's catalog: Beta's record
    world.alpha.activity.occurred_at = now - timedelta(days=3)
    world.alpha.activity.save()
    client.force_login(world.alpha.admin)

    response = client.get(LIST)
    assert [r.pk for r in response.context["page"].object_list] == [
        lab.pk,
        child.pk,
        world.alpha.activity.pk,
        points.pk,
    ]
    html = response.content.decode()
    assert world.alpha.lab.title in html and world.alpha.child_course.title in html and "Points awarded" in html
    assert world.beta.course.title not in html and world.beta.student.username not in html
    assert "Record activity" in html and "Import CSV" in html

    found = client.get(LIST, {"q": world.alpha.child_student.username}).context["page"].object_list
    assert [r.pk for r in found] == [child.pk]
    found = client.get(LIST, {"kind": "lab_completed"}).context["page"].object_list
    assert [r.pk for r in found] == [lab.pk]


def test_the_list_runs_the_same_number_of_queries_with_5_and_60_records(world, client, django_assert_num_queries):
    path = _exam_path(world)

    def add(count):
        for n in range(count):
            target = [
                {"kind": "course_completed", "course": world.alpha.course},
                {"kind": "lab_launched", "course": None, "lab": world.alpha.lab},
                {"kind": "exam_passed", "course": None, "learning_path": path},
                {"kind": "points", "course": None},
            ][n % 4]
            ActivityRecordFactory(user=make_student(world.alpha.org), **target)

    add(4)  # with world.alpha.activity: 5
    client.force_login(world.alpha.admin)
    # session, user, administered organizations, organization tree, bounded count, page ids, page rows
    # (with student, course, lab and its course, learning path), navigation roles
    expected = 8
    with django_assert_num_queries(expected):
        assert len(client.get(LIST).context["page"].object_list) == 5
    add(55)
    with django_assert_num_queries(expected):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 60


# --- Record one activity ------------------------------------------------------------------------------


def _record_data(world, **changes):
    return {
        "student": world.alpha.student.username,
        "kind": "course_completed",
        "course": world.alpha.course.pk,
        "lab": "",
        "learning_path": "",
        "points": 40,
        "occurred_at": "2026-03-01T14:30",
        **changes,
    }


def test_an_administrator_records_one_activity(world, client):
    client.force_login(world.alpha.admin)
    # The course chosen before switching to a lab is ignored: only the lab counts for a lab.
    response = client.post(
        NEW, _record_data(world, kind="lab_completed", lab=world.alpha.lab.pk, student="ALPHA-student")
    )
    assert response.status_code == 302 and response["Location"] == LIST
    record = ActivityRecord.objects.get(kind="lab_completed")
    assert (record.user, record.lab, record.course, record.learning_path) == (
        world.alpha.student,
        world.alpha.lab,
        None,
        None,
    )
    assert record.points == 40 and record.occurred_at == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert f"Lab completed recorded for {world.alpha.student.display_name}." in client.get(LIST).content.decode()

    path = _exam_path(world)
    client.post(NEW, _record_data(world, kind="exam_passed", course="", learning_path=path.pk, points=0))
    assert ActivityRecord.objects.get(kind="exam_passed").learning_path == path
    client.post(NEW, _record_data(world, kind="points", course="", student=world.alpha.child_student.username))
    assert ActivityRecord.objects.get(kind="points").user == world.alpha.child_student


def test_the_record_form_offers_only_the_administrators_catalog(world, client):
    path = _exam_path(world)
    no_exam = LearningPathFactory(organization=world.alpha.org, title="Path without exam")
    client.force_login(world.alpha.admin)
    html = client.get(NEW).content.decode()
    assert f"{world.alpha.course.code}/{world.alpha.lab.code}" in html
    assert world.alpha.child_course.title in html and path.title in html
    assert world.beta.course.title not in html and world.beta.lab.title not in html and no_exam.title not in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"student": "zed"}, "student", "No student “zed” in your organizations."),
        ({"student": "beta-student"}, "student", "No student “beta-student” in your organizations."),
        ({"course": "beta"}, "course", "Select a valid choice."),
        ({"course": ""}, "course", "Choose the course for “Course completed”."),
        ({"kind": "lab_launched"}, "lab", "Choose the lab for “Lab launched”."),
        ({"kind": "exam_passed", "learning_path": "no-exam"}, "learning_path", "Select a valid choice."),
        ({"kind": "dancing"}, "kind", "Select a valid choice."),
        ({"points": -1}, "points", "Ensure this value is greater than or equal to 0."),
        ({"points": "many"}, "points", "Enter a whole number."),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at", "The activity is in the future."),
        ({"occurred_at": "yesterday"}, "occurred_at", "Enter a valid date/time."),
        ({"occurred_at": "1969-12-31T10:00"}, "occurred_at", "The activity is before 1970."),
    ],
)
def test_recording_refuses_bad_input_and_writes_nothing(world, client, changes, field, message):
    if changes.get("course") == "beta":
        changes["course"] = world.beta.course.pk
    if changes.get("learning_path") == "no-exam":
        changes["learning_path"] = world.alpha.path.pk  # the world's path has no final exam
    client.force_login(world.alpha.admin)
    before = ActivityRecord.objects.count()
    response = client.post(NEW, _record_data(world, **changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert ActivityRecord.objects.count() == before


def test_the_service_refuses_a_target_that_does_not_match_the_kind(world):
    with pytest.raises(ValueError, match="needs lab"):
        activity_record_create(
            student=world.alpha.student, kind="lab_completed", course=world.alpha.course, occurred_at=timezone.now()
        )
    assert not ActivityRecord.objects.filter(kind="lab_completed").exists()


# --- Import a CSV file --------------------------------------------------------------------------------


def test_a_good_file_imports_exactly_its_rows(world, client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    path = _exam_path(world)
    course, lab, child = world.alpha.course, world.alpha.lab, world.alpha.child_course
    # Any column order, an extra column, a byte order mark, Windows line ends, lower-case codes, blank lines.
    text = (
        "\ufeffOccurred_at,points,note,Username,kind,reference\r\n"
        f"2024-01-15T10:00,10,first,alpha-student,lab_launched,{course.code}/{lab.code}\r\n"
        f"2024-01-16,,,alpha-student,lab_completed,{course.code.lower()}/{lab.code.lower()}\r\n"
        "\r\n"
        f"2024-01-17T08:30:00+00:00,100,,alpha-labs-student,course_completed,{child.code}\r\n"
        f"2024-02-01 12:00,200,,ALPHA-STUDENT,exam_passed,{path.code}\r\n"
        "2024-02-02T09:15Z,25,,alpha-labs-student,points,\r\n"
        ",,,,,\r\n"
    )
    before = set(ActivityRecord.objects.values_list("pk", flat=True))
    client.force_login(world.alpha.admin)
    response = _upload(client, text)
    assert response.status_code == 302 and response["Location"] == LIST
    rows = ActivityRecord.objects.exclude(pk__in=before).order_by("occurred_at")
    assert [(r.user, r.kind, r.course, r.lab, r.learning_path, r.points, r.occurred_at) for r in rows] == [
        (world.alpha.student, "lab_launched", None, lab, None, 10, datetime(2024, 1, 15, 9, 0, tzinfo=UTC)),
        (world.alpha.student, "lab_completed", None, lab, None, 0, datetime(2024, 1, 15, 23, 0, tzinfo=UTC)),
        (
            world.alpha.child_student,
            "course_completed",
            child,
            None,
            None,
            100,
            datetime(2024, 1, 17, 8, 30, tzinfo=UTC),
        ),
        (world.alpha.student, "exam_passed", None, None, path, 200, datetime(2024, 2, 1, 11, 0, tzinfo=UTC)),
        (world.alpha.child_student, "points", None, None, None, 25, datetime(2024, 2, 2, 9, 15, tzinfo=UTC)),
    ]
    page = client.get(LIST).content.decode()
    assert "5 activity records imported." in page


def test_a_semicolon_separated_file_imports_too(world, client):
    client.force_login(world.alpha.admin)
    response = _upload(client, "username;kind;reference;points;occurred_at\nalpha-student;points;;3;2024-05-01\n")
    assert response.status_code == 302
    assert ActivityRecord.objects.get(kind="points").points == 3
    assert "1 activity record imported." in client.get(LIST).content.decode()


def _line(row: str) -> str:
    return HEADER + f"alpha-student,points,,1,2024-01-01\n{row}\n"  # a good line 2, then the row on line 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("zed,points,,1,2024-01-01", "Line 3: unknown username “zed”."),
        ("beta-student,points,,1,2024-01-01", "Line 3: unknown username “beta-student”."),
        (",points,,1,2024-01-01", "Line 3: username is missing."),
        ("alpha-student,jumping,,1,2024-01-01", "Line 3: unknown kind “jumping”; use one of lab_launched,"),
        ("alpha-student,course_completed,BETA,1,2024-01-01", "Line 3: unknown course “BETA”."),
        (
            "alpha-student,course_completed,,1,2024-01-01",
            "Line 3: reference is missing: course_completed needs a course code.",
        ),
        (
            "alpha-student,lab_completed,LAB,1,2024-01-01",
            "Line 3: reference “LAB” must be COURSECODE/LABCODE for lab_completed.",
        ),
        ("alpha-student,lab_launched,ALPHA/NOPE,1,2024-01-01", "Line 3: unknown lab “ALPHA/NOPE”."),
        ("alpha-student,exam_passed,NOPE,1,2024-01-01", "Line 3: unknown learning path “NOPE”."),
        ("alpha-student,exam_passed,PATH,1,2024-01-01", "Line 3: learning path “PATH” has no final exam."),
        ("alpha-student,points,CF-101,1,2024-01-01", "Line 3: reference must be empty for points (found “CF-101”)."),
        ("alpha-student,points,,-1,2024-01-01", "Line 3: points must be a whole number of 0 or more."),
        ("alpha-student,points,,1.5,2024-01-01", "Line 3: points must be a whole number of 0 or more."),
        ("alpha-student,points,,ten,2024-01-01", "Line 3: points must be a whole number of 0 or more."),
        ("alpha-student,points,,99999999999,2024-01-01", "Line 3: points must be at most 2,147,483,647."),
        ("alpha-student,points,,1,", "Line 3: occurred_at is missing."),
        ("alpha-student,points,,1,01/03/2024", "Line 3: occurred_at “01/03/2024” is not an ISO date or date-time"),
        ("alpha-student,points,,1,2999-01-01", "Line 3: occurred_at “2999-01-01” is in the future."),
        ("alpha-student,points,,1,1900-01-01", "Line 3: occurred_at “1900-01-01” is before 1970."),
        ("alpha-student,points,,1", "Line 3: 4 values where the header row has 5."),
    ],
)
def test_a_file_with_a_bad_row_imports_nothing_and_says_why(world, client, row, message):
    def fill(text: str) -> str:  # the world's codes; its learning path has no final exam
        codes = {"BETA": world.beta.course.code, "ALPHA": world.alpha.course.code, "PATH": world.alpha.path.code}
        for placeholder, code in codes.items():
            text = text.replace(placeholder, code)
        return text

    client.force_login(world.alpha.admin)
    before = ActivityRecord.objects.count()
    response = _upload(client, _line(fill(row)))
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert len(errors) == 1 and errors[0].startswith(fill(message))
    assert "Nothing was imported" in response.content.decode()
    assert ActivityRecord.objects.count() == before


def test_every_problem_of_a_row_is_reported(world, client):
    client.force_login(world.alpha.admin)
    response = _upload(client, HEADER + "zed,course_completed,NOPE,-3,2999-01-01\n")
    assert list(response.context["result"].errors) == [
        "Line 2: unknown username “zed”.",
        "Line 2: unknown course “NOPE”.",
        "Line 2: points must be a whole number of 0 or more.",
        "Line 2: occurred_at “2999-01-01” is in the future.",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (HEADER.encode(), "The file has a header row but no activity rows."),
        (b"username,kind,points\nalpha-student,points,1\n", "missing: reference, occurred_at."),
        (b"alpha-student,points,,1,2024-01-01\n", "The first row must name the columns username, kind, reference"),
        (b"username,kind,kind,reference,points,occurred_at\n", "The header row names kind more than once."),
        ((HEADER + "caf\xe9,points,,1,2024-01-01\n").encode("latin-1"), "The file is not UTF-8 text"),
        (b"username,kind\x00", "The file is not a CSV text file."),
        ((HEADER + "alpha-student,points,,1,2024-01-01\n" * 10_001).encode(), "The file has more than 10,000 rows"),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_clear_message(world, client, content, message):
    client.force_login(world.alpha.admin)
    before = ActivityRecord.objects.count()
    response = _upload(client, content)
    errors = response.context["result"].errors
    assert len(errors) == 1 and message in errors[0]
    assert ActivityRecord.objects.count() == before


def test_an_empty_or_oversized_upload_is_refused_by_the_form(world, client):
    client.force_login(world.alpha.admin)
    response = _upload(client, b"")
    assert "The submitted file is empty." in response.context["form"].errors["file"][0]
    big = HEADER + "alpha-student,points,,1,2024-01-01\n" * 70_000  # about 2.4 MB
    response = _upload(client, big)
    assert response.context["form"].errors["file"] == ["The file is larger than 2 MB: split it into smaller files."]
    assert response.context["result"] is None
    assert not ActivityRecord.objects.filter(kind="points").exists()


def test_at_most_50_problems_are_listed_then_how_many_more(world, client):
    client.force_login(world.alpha.admin)
    response = _upload(client, HEADER + "".join(f"nobody{n},points,,1,2024-01-01\n" for n in range(60)))
    html = response.content.decode()
    assert "Line 2: unknown username “nobody0”." in html and "Line 51: unknown username “nobody49”." in html
    assert "nobody50" not in html and "… and 10 more." in html and "these 60 problems" in html
    assert not ActivityRecord.objects.filter(kind="points").exists()


def test_a_code_of_two_administered_organizations_is_ambiguous(world):
    CourseFactory(organization=world.alpha.child, code=world.alpha.course.code)
    before = ActivityRecord.objects.count()
    result = activity_import_csv(
        actor=world.alpha.admin,
        content=(HEADER + f"alpha-student,course_completed,{world.alpha.course.code},1,2024-01-01\n").encode(),
    )
    assert result.errors == (
        f"Line 2: course “{world.alpha.course.code}” is ambiguous: it exists in Alpha Academy and Alpha Academy Labs.",
    )
    assert ActivityRecord.objects.count() == before


def test_codes_resolve_in_the_administrators_catalog_only(world):
    """Beta has a course with Alpha's code: for Alpha's administrator it is Alpha's; Beta's own is unknown."""
    twin = CourseFactory(organization=world.beta.org, code=world.alpha.course.code)
    LabFactory(course=twin, code=world.alpha.lab.code)
    content = HEADER + (
        f"alpha-student,course_completed,{world.alpha.course.code},1,2024-01-01\n"
        f"alpha-student,lab_completed,{world.alpha.course.code}/{world.alpha.lab.code},1,2024-01-01\n"
    )
    result = activity_import_csv(actor=world.alpha.admin, content=content.encode())
    assert result.imported == 2
    assert (
        ActivityRecord.objects.get(kind="course_completed", user=world.alpha.student, points=1).course
        == world.alpha.course
    )
    assert ActivityRecord.objects.get(kind="lab_completed").lab == world.alpha.lab
    refused = activity_import_csv(
        actor=world.beta.admin,
        content=(HEADER + f"beta-student,course_completed,{world.beta.course.code},1,2024-01-01\n").encode(),
    )
    assert refused.imported == 1  # Beta's own code works for Beta's administrator
    refused = activity_import_csv(
        actor=world.alpha.admin,
        content=(HEADER + f"alpha-student,course_completed,{world.beta.course.code},1,2024-01-01\n").encode(),
    )
    assert refused.errors == (f"Line 2: unknown course “{world.beta.course.code}”.",)


def test_the_import_page_shows_the_expected_format(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(IMPORT).content.decode()
    assert "Expected format" in html and "username,kind,reference,points,occurred_at" in html
    assert "COURSECODE/LABCODE" in html and 'enctype="multipart/form-data"' in html


# --- In the browser -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_imports_a_csv_file_and_sees_the_rows(demo_world, sign_in, live_server, page: Page):
    sign_in(page, "nw-admin")
    page.goto(f"{live_server.url}{LIST}")
    page.get_by_role("link", name="Import CSV").click()

    page.get_by_label("CSV file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": (HEADER + "zed,points,,5,2024-01-01\n").encode()}
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Line 2: unknown username “zed”.")

    good = (
        HEADER + "nw-student05,lab_completed,CF-101/CF-101-L2,30,2024-06-01T10:00\nnw-student06,points,,15,2024-06-02\n"
    )
    page.get_by_label("CSV file").set_input_files({"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()})
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("2 activity records imported.")
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    lab_row = page.get_by_role("row").filter(has_text="nw-student05")
    expect(lab_row).to_contain_text("Lab completed")
    expect(lab_row).to_contain_text("Configure object storage")
    expect(lab_row).to_contain_text("30")
    expect(page.get_by_role("row").filter(has_text="nw-student06")).to_contain_text("Points awarded")
    assert ActivityRecord.objects.filter(user__username__in=["nw-student05", "nw-student06"]).count() == 2


def test_activity_is_recorded_only_for_the_people_at_home_in_the_administrators_organizations(world):
    """Another organization's student who attends Alpha's class is not Alpha's to write activity for: their
    home organization's achievements count it (points), so Alpha's administrator could make Beta issue."""
    content = HEADER + "beta-student,points,,5000,2024-01-01\n"
    result = activity_import_csv(actor=world.alpha.admin, content=content.encode())
    assert result.imported == 0 and result.errors == ("Line 2: unknown username “beta-student”.",)
    content = HEADER + f"alpha-labs-student,course_completed,{world.alpha.course.code},1,2024-01-01\n"
    assert activity_import_csv(actor=world.alpha.admin, content=content.encode()).imported == 1
    assert not ActivityRecord.objects.filter(user=world.beta.student, points=5000).exists()


def test_the_list_filters_by_student_and_kind_and_a_bad_kind_shows_nothing(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("activity:list")
    rows = lambda response: list(response.context["page"].object_list)  # noqa: E731
    assert rows(client.get(url, {"q": "alpha-stu", "kind": "course_completed"})) == [world.alpha.activity]
    assert rows(client.get(url, {"kind": "points"})) == []
    bad = client.get(url, {"kind": "everything"})
    html = bad.content.decode()
    assert bad.status_code == 200 and rows(bad) == [] and "Activity: “everything” is not one of the choices." in html
    assert "Nothing is listed until the filters above are corrected." in html
    assert world.beta.activity not in rows(client.get(url))

"""Achievement pages: the list, create with its preview, bad input, the achievement, edit, deactivate and
activate, Evaluate now, and "Why not awarded?" on a student's page."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.achievements.models import Achievement, EvaluationRun
from apps.achievements.services import achievements_evaluate
from apps.achievements.services.runs import Heartbeat, run_start
from apps.achievements.services.shards import full_run, shard_run
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import CourseFactory, LabFactory, LearningPathCourseFactory, LearningPathFactory
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.tests.factories import IssuedBadgeFactory

Kind = Achievement.Kind
Activity = ActivityRecord.Kind
LIST = reverse("achievements:list")
CREATE = reverse("achievements:create")
EVALUATE = reverse("achievements:evaluate")


def url(name: str, achievement) -> str:
    return reverse(f"achievements:{name}", args=[achievement.pk])


def record(user, kind, when: datetime | None = None, points: int = 0, **target) -> ActivityRecord:
    when = when or timezone.now() - timedelta(days=1)
    return ActivityRecord.objects.create(user=user, kind=kind, occurred_at=when, points=points, **target)


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, white space collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name") != "csrfmiddlewaretoken":
            self.fields.append((attrs["name"], attrs.get("value") or ""))


def hidden_fields(response) -> dict[str, list[str]]:
    """The hidden inputs the preview carries the form in, as a browser would post them back."""
    parser = _Hidden()
    parser.feed(response.content.decode())
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


def form_data(side, **changes) -> dict:
    """The achievement form as an administrator of ``side``'s organization fills it (None drops a field)."""
    data = {
        "organization": side.org.pk,
        "name": "Kubernetes finisher",
        "description": "",
        "kind": Kind.COURSE_COMPLETED,
        "course": side.course.pk,
        "badge": side.badge.pk,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def condition_lines(response) -> list[str]:
    """The "Why not awarded?" conditions, one line each, as read on the page."""
    html = response.content.decode().split('id="why-heading"', 1)[1]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
        for item in re.findall(r"<li\b[^>]*>(.*?)</li>", html, re.S)
    ]


@pytest.fixture
def named(world):
    """The world's achievements with names one can look for on a page."""
    for side, name in ((world.alpha, "Alpha course finisher"), (world.beta, "Beta course finisher")):
        side.achievement.name = name
        side.achievement.save(update_fields=["name"])
    return world


# --- The list ------------------------------------------------------------------------------------------


def test_the_list_shows_the_administrators_organizations_achievements_only(named, client):
    alpha = named.alpha
    child = AchievementFactory(organization=alpha.child, name="Labs points", kind=Kind.POINTS_REACHED, course=None,
                               points_threshold=1500, badge=alpha.child_badge)  # fmt: skip
    client.force_login(alpha.admin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert [a.name for a in response.context["page"].object_list] == ["Alpha course finisher", "Labs points"]
    page = text(response)
    assert f"Complete the course “{alpha.course.title}”" in page
    assert "Reach 1,500 activity points" in page
    assert "Alpha Academy Labs Star" in page
    assert child.organization.name in page
    assert "Beta course finisher" not in page
    assert "No evaluation has run yet." in page


@pytest.mark.parametrize("persona", ["instructor", "student"])
def test_instructors_and_students_may_not_see_achievements(world, client, persona):
    client.force_login(getattr(world.alpha, persona))
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(world.alpha, confirm="1", notification="each")).status_code == 403
    assert Achievement.objects.count() == 2


def test_the_list_runs_the_same_number_of_queries_with_2_and_20_achievements(world, client, django_assert_num_queries):
    alpha = world.alpha
    path = LearningPathFactory(organization=alpha.org, exam_title="Final exam")
    LearningPathCourseFactory(learning_path=path, course=alpha.course, position=1)
    # A learning path first: its courses are read (one query) whenever the page shows one.
    in_turn = [Kind.LEARNING_PATH_COMPLETED, Kind.COURSES_COMPLETED, Kind.LAB_COMPLETED, Kind.POINTS_REACHED]

    def add(count):
        for n in range(count):
            kind = in_turn[n % len(in_turn)]
            made = AchievementFactory(
                organization=alpha.org, kind=kind, badge=alpha.badge,
                course=None, lab=alpha.lab if "lab" in kind else None,
                learning_path=path if kind == Kind.LEARNING_PATH_COMPLETED else None,
                points_threshold=100 if kind == Kind.POINTS_REACHED else None,
            )  # fmt: skip
            if kind == Kind.COURSES_COMPLETED:
                made.courses.set([alpha.course, alpha.child_course])

    add(1)  # and the world's own achievement
    achievements_evaluate()  # the last runs are shown too
    client.force_login(alpha.admin)
    # session, user (with organization), administered organizations, organization tree, count,
    # achievements (with organization, badge, lab and its course, course, learning path), their course
    # sets, their learning paths' courses, last runs (with who asked), activity-to-badge times, navigation roles
    expected = 11
    with django_assert_num_queries(expected):
        assert len(client.get(LIST).context["page"].object_list) == 2
    add(18)
    with django_assert_num_queries(expected):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 20
    assert "Complete every course of the learning path" in text(response)


# --- Create: form, preview, confirm -------------------------------------------------------------------


@pytest.fixture
def kubernetes(world):
    """A course some of Alpha's students completed: two will receive the badge, one holds it already,
    one had it revoked, one did another course."""
    alpha = world.alpha
    course = CourseFactory(organization=alpha.org, title="Kubernetes Basics")
    badge = BadgeFactory(organization=alpha.org, name="Kubernetes Finisher")
    people = {}
    names = [("k-ada", "Ada", "Lovelace"), ("k-bob", "Bob", "Babbage"), ("k-held", "Hal", "Held"),
             ("k-revoked", "Rev", "Oked"), ("k-other", "Oz", "Other")]  # fmt: skip
    for username, first, last in names:
        people[username] = make_student(alpha.org, username=username, first_name=first, last_name=last)
    for username in ("k-ada", "k-bob", "k-held", "k-revoked"):
        record(people[username], Activity.COURSE_COMPLETED, course=course)
    record(people["k-other"], Activity.COURSE_COMPLETED, course=alpha.course)
    IssuedBadgeFactory(badge=badge, recipient=people["k-held"])
    IssuedBadgeFactory(badge=badge, recipient=people["k-revoked"], revoked_at=timezone.now(), revocation_reason="x")
    return world, course, badge, people


def test_create_previews_who_qualifies_then_saves_and_the_run_issues_that_many(kubernetes, client):
    world, course, badge, people = kubernetes
    client.force_login(world.alpha.admin)
    data = form_data(world.alpha, course=course.pk, badge=badge.pk)

    preview = client.post(CREATE, data)
    assert preview.status_code == 200
    assert preview.templates[0].name == "achievements/achievement_preview.html"
    page = text(preview)
    assert "Before creating “Kubernetes finisher”" in page
    assert "2 students already qualify and will receive “Kubernetes Finisher” at the next evaluation." in page
    assert "4 meet it in all; 2 already hold this badge or had it revoked" in page
    assert "Babbage" in page and "(k-bob)" in page and "(k-ada)" in page
    assert "k-held" not in page and "k-revoked" not in page and "k-other" not in page
    assert [p.username for p in preview.context["preview"].sample] == ["k-bob", "k-ada"]  # by last name
    assert Achievement.objects.count() == 2  # nothing saved yet

    carried = hidden_fields(preview)
    assert carried["course"] == [str(course.pk)] and carried["name"] == ["Kubernetes finisher"]
    created = client.post(CREATE, {**carried, "confirm": "1", "notification": "digest"})
    achievement = Achievement.objects.get(name="Kubernetes finisher")
    assert created.status_code == 302 and created.url == url("detail", achievement)
    assert (achievement.organization, achievement.kind, achievement.course, achievement.badge) == (
        world.alpha.org, Kind.COURSE_COMPLETED, course, badge
    )  # fmt: skip
    assert achievement.notification == Achievement.Notification.DIGEST
    assert achievement.is_active
    detail = client.get(created.url)
    assert "Achievement “Kubernetes finisher” created." in text(detail)
    assert "One digest e-mail per student" in text(detail)

    run = achievements_evaluate()
    issued = IssuedBadge.objects.filter(badge=badge, source=Source.ACHIEVEMENT)
    assert sorted(issued.values_list("recipient__username", flat=True)) == ["k-ada", "k-bob"]
    assert issued.count() == preview.context["preview"].will_receive
    assert run.evaluations.get(achievement=achievement).badges_issued == 2
    assert IssuedBadge.objects.get(badge=badge, recipient=people["k-revoked"]).is_revoked


def test_back_to_the_form_keeps_what_was_entered(kubernetes, client):
    world, course, badge, _ = kubernetes
    client.force_login(world.alpha.admin)
    preview = client.post(CREATE, form_data(world.alpha, course=course.pk, badge=badge.pk, description="For K8s"))
    response = client.post(CREATE, {**hidden_fields(preview), "back": "1"})
    assert response.templates[0].name == "achievements/achievement_form.html"
    form = response.context["form"]
    assert not form.errors
    assert (form["name"].value(), form["description"].value()) == ("Kubernetes finisher", "For K8s")
    assert (str(form["kind"].value()), str(form["course"].value()), str(form["badge"].value())) == (
        Kind.COURSE_COMPLETED, str(course.pk), str(badge.pk)
    )  # fmt: skip
    html = response.content.decode()
    assert 'value="Kubernetes finisher"' in html
    assert re.search(rf'<option value="{course.pk}" selected>', html)
    assert Achievement.objects.count() == 2


def _every_kind(world):
    """A catalog and activity for each kind, some met, some partly met, some not."""
    alpha = world.alpha
    courses = [CourseFactory(organization=alpha.org, title=f"Step {n}") for n in range(3)]
    lab = LabFactory(course=courses[0], title="First VM")
    path = LearningPathFactory(organization=alpha.org, title="Cloud path", exam_title="Cloud exam")
    for position, course in enumerate(courses[:2]):
        LearningPathCourseFactory(learning_path=path, course=course, position=position)
    a, b, c, d = (make_student(alpha.org, username=f"kind-{n}") for n in range(4))
    record(a, Activity.LAB_LAUNCHED, lab=lab)
    record(b, Activity.LAB_COMPLETED, lab=lab)
    for student in (a, b, c):
        record(student, Activity.COURSE_COMPLETED, course=courses[0], points=400)
    for student in (a, b):
        record(student, Activity.COURSE_COMPLETED, course=courses[1], points=300)
    record(a, Activity.COURSE_COMPLETED, course=courses[2])
    record(a, Activity.EXAM_PASSED, learning_path=path)
    record(d, Activity.EXAM_PASSED, learning_path=path)  # the exam without the courses
    return {
        Kind.LAB_LAUNCHED: ({"lab": lab.pk}, 2),
        Kind.LAB_COMPLETED: ({"lab": lab.pk}, 1),
        Kind.COURSE_COMPLETED: ({"course": courses[1].pk}, 2),
        Kind.COURSES_COMPLETED: ({"courses": [c.pk for c in courses]}, 1),
        Kind.LEARNING_PATH_COMPLETED: ({"learning_path": path.pk}, 1),
        Kind.POINTS_REACHED: ({"points_threshold": 700}, 2),
    }


@pytest.mark.parametrize("kind", Kind.values)
def test_the_preview_count_is_what_the_run_then_issues(world, client, kind):
    target, expected = _every_kind(world)[kind]
    badge = BadgeFactory(organization=world.alpha.org, name="Fresh badge")
    client.force_login(world.alpha.admin)
    data = form_data(world.alpha, **{"kind": kind, "course": None, "badge": badge.pk, **target})
    preview = client.post(CREATE, data)
    assert preview.context["preview"].will_receive == expected, text(preview)
    student = "student" if expected == 1 else "students"
    verb = "qualifies" if expected == 1 else "qualify"
    assert f"{expected} {student} already {verb}" in text(preview)
    client.post(CREATE, {**hidden_fields(preview), "confirm": "1", "notification": "silent"})
    achievements_evaluate()
    assert IssuedBadge.objects.filter(badge=badge).count() == expected


# --- Bad input: a clear message, nothing written ---------------------------------------------------


BAD_INPUT = {
    "beta's badge": (lambda w: {"badge": w.beta.badge.pk}, "badge", "That badge is not one of your organizations"),
    "beta's course": (lambda w: {"course": w.beta.course.pk}, "course", "That course is not one of your organizations"),
    "beta's lab": (
        lambda w: {"kind": Kind.LAB_COMPLETED, "course": None, "lab": w.beta.lab.pk},
        "lab",
        "That lab is not one of your organizations",
    ),
    "beta's learning path": (
        lambda w: {"kind": Kind.LEARNING_PATH_COMPLETED, "course": None, "learning_path": w.beta.path.pk},
        "learning_path",
        "That learning path is not one of your organizations",
    ),
    "beta's course in a set": (
        lambda w: {"kind": Kind.COURSES_COMPLETED, "course": None, "courses": [w.alpha.course.pk, w.beta.course.pk]},
        "courses",
        "is not one of your organizations’ courses",
    ),
    "beta as the organization": (
        lambda w: {"organization": w.beta.org.pk},
        "organization",
        "That organization is not one you administer",
    ),
    "the child's badge for the parent": (
        lambda w: {"badge": w.alpha.child_badge.pk},
        "badge",
        "Choose a badge of Alpha Academy: this one belongs to Alpha Academy Labs.",
    ),
    "the parent's course for the child": (
        lambda w: {"organization": w.alpha.child.pk, "badge": w.alpha.child_badge.pk},
        "course",
        "Choose a course of Alpha Academy Labs: this one belongs to another organization.",
    ),
    "0 points": (
        lambda w: {"kind": Kind.POINTS_REACHED, "course": None, "points_threshold": 0},
        "points_threshold",
        "Enter the number of points to reach (1 or more).",
    ),
    "-5 points": (
        lambda w: {"kind": Kind.POINTS_REACHED, "course": None, "points_threshold": -5},
        "points_threshold",
        "Enter the number of points to reach (1 or more).",
    ),
    "absurd points": (
        lambda w: {"kind": Kind.POINTS_REACHED, "course": None, "points_threshold": 10**19},
        "points_threshold",
        "Points: enter a total of at most 1,000,000,000.",
    ),
    "no points": (
        lambda w: {"kind": Kind.POINTS_REACHED, "course": None},
        "points_threshold",
        "Enter the number of points to reach (1 or more).",
    ),
    "an empty course set": (
        lambda w: {"kind": Kind.COURSES_COMPLETED, "course": None},
        "courses",
        "Choose at least one course: an empty set can never be completed.",
    ),
    "no course": (lambda w: {"course": None}, "course", "Choose the course of this achievement."),
    "no lab": (lambda w: {"kind": Kind.LAB_LAUNCHED, "course": None}, "lab", "Choose the lab of this achievement."),
    "no learning path": (
        lambda w: {"kind": Kind.LEARNING_PATH_COMPLETED, "course": None},
        "learning_path",
        "Choose the learning path of this achievement.",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_writes_nothing_and_says_why(world, client, case):
    changes, field, message = BAD_INPUT[case]
    client.force_login(world.alpha.admin)
    before = Achievement.objects.count(), Achievement.courses.through.objects.count()
    for extra in ({}, {"confirm": "1", "notification": "each"}):  # the form, and a tampered confirmation
        response = client.post(CREATE, form_data(world.alpha, **changes(world), **extra))
        assert response.status_code == 200
        assert response.templates[0].name == "achievements/achievement_form.html"
        errors = response.context["form"].errors[field]
        assert any(message in error for error in errors), errors
        assert len(errors) == 1, errors  # one clear message, not two saying different things
        assert message in text(response)
    assert (Achievement.objects.count(), Achievement.courses.through.objects.count()) == before


def test_an_unknown_notification_choice_shows_the_preview_again_and_saves_nothing(kubernetes, client):
    world, course, badge, _ = kubernetes
    client.force_login(world.alpha.admin)
    preview = client.post(CREATE, form_data(world.alpha, course=course.pk, badge=badge.pk))
    response = client.post(CREATE, {**hidden_fields(preview), "confirm": "1", "notification": "carrier-pigeon"})
    assert response.templates[0].name == "achievements/achievement_preview.html"
    assert "Select a valid choice." in text(response)
    assert "2 students already qualify" in text(response)
    assert not Achievement.objects.filter(name="Kubernetes finisher").exists()


# --- The achievement, edit, deactivate, activate ---------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "detail"), ("get", "edit"), ("post", "edit"), ("post", "activate"), ("post", "deactivate")],
)
def test_another_organizations_achievement_is_not_found(named, client, method, name):
    theirs = named.beta.achievement
    client.force_login(named.alpha.admin)
    data = {**form_data(named.alpha, name="Taken over"), "confirm": "1", "notification": "silent"}
    response = getattr(client, method)(url(name, theirs), data if method == "post" else None)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.is_active, theirs.organization) == ("Beta course finisher", True, named.beta.org)


def test_the_achievement_page_shows_what_it_requires_and_its_run_log(named, client):
    achievement = named.alpha.achievement
    client.force_login(named.alpha.admin)
    page = text(client.get(url("detail", achievement)))
    assert f"Complete the course “{named.alpha.course.title}”" in page
    assert "Not evaluated yet." in page

    early, late = (make_student(named.alpha.org, username=f"{when}-finisher") for when in ("early", "late"))
    record(early, Activity.COURSE_COMPLETED, course=named.alpha.course)
    achievements_evaluate()  # the first run is full
    achievements_evaluate()  # nothing new: nothing to log
    record(late, Activity.COURSE_COMPLETED, course=named.alpha.course)
    achievements_evaluate()  # incremental: the late student only
    response = client.get(url("detail", achievement))
    log = response.context["evaluations"]
    assert [(e.mode, e.users_examined, e.badges_issued) for e in log] == [("incremental", 1, 1), ("full", 2, 1)]
    page = text(response)
    assert "Run log" in page and "Not evaluated yet." not in page
    assert "Full" in page and "Incremental" in page
    # The world's student met it too (and holds the badge by hand): earned, not issued again.
    assert "3 students earned it" in page
    assert f"2 badges issued by it; the others already held “{achievement.badge.name}”" in page


def test_edit_saves_and_clears_the_other_kinds_target(named, client):
    achievement = named.alpha.achievement
    client.force_login(named.alpha.admin)
    response = client.get(url("edit", achievement))
    assert response.context["form"]["name"].value() == "Alpha course finisher"
    assert "organization" not in response.context["form"].fields  # an achievement stays in its organization
    data = form_data(named.alpha, organization=None, name="Alpha points", kind=Kind.POINTS_REACHED,
                     points_threshold=1000)  # fmt: skip
    response = client.post(url("edit", achievement), data)
    assert response.status_code == 302 and response.url == url("detail", achievement)
    achievement.refresh_from_db()
    assert (achievement.name, achievement.kind, achievement.points_threshold, achievement.course) == (
        "Alpha points", Kind.POINTS_REACHED, 1000, None
    )  # fmt: skip
    page = text(client.get(response.url))
    assert "Achievement “Alpha points” saved." in page
    assert "Reach 1,000 activity points" in page


def test_a_bad_edit_saves_nothing_and_keeps_the_saved_name_in_the_title(named, client):
    achievement = named.alpha.achievement
    client.force_login(named.alpha.admin)
    data = form_data(named.alpha, organization=None, name="Renamed", badge=named.beta.badge.pk)
    response = client.post(url("edit", achievement), data)
    assert response.status_code == 200
    assert "That badge is not one of your organizations" in text(response)
    assert "<title>Edit Alpha course finisher" in response.content.decode()
    achievement.refresh_from_db()
    assert (achievement.name, achievement.badge) == ("Alpha course finisher", named.alpha.badge)


def test_deactivate_then_activate_after_a_preview(named, client):
    achievement = named.alpha.achievement
    student = make_student(named.alpha.org, username="new-finisher", first_name="Nina", last_name="New")
    record(student, Activity.COURSE_COMPLETED, course=named.alpha.course)
    client.force_login(named.alpha.admin)

    response = client.post(url("deactivate", achievement), follow=True)
    achievement.refresh_from_db()
    assert not achievement.is_active
    assert "“Alpha course finisher” is inactive" in text(response)
    assert "Activate…" in text(response)

    preview = client.post(url("activate", achievement))
    assert preview.status_code == 200
    page = text(preview)
    assert "Before activating “Alpha course finisher”" in page
    # The world's student completed the course too but holds the badge already.
    assert "1 student already qualifies and will receive “Alpha Academy Star”" in page
    assert "Nina New (new-finisher)" in page
    achievement.refresh_from_db()
    assert not achievement.is_active  # the preview changes nothing

    response = client.post(url("activate", achievement), {"confirm": "1", "notification": "silent"}, follow=True)
    achievement.refresh_from_db()
    assert achievement.is_active and achievement.notification == Achievement.Notification.SILENT
    assert "“Alpha course finisher” is active" in text(response)
    achievements_evaluate()
    assert IssuedBadge.objects.filter(badge=named.alpha.badge, recipient=student, source=Source.ACHIEVEMENT).exists()


def test_the_deactivate_dialog_names_what_it_does(named, client):
    client.force_login(named.alpha.admin)
    page = text(client.get(url("detail", named.alpha.achievement)))
    assert "Deactivate “Alpha course finisher”? Nobody receives “Alpha Academy Star” through it any more." in page


# --- Evaluate now --------------------------------------------------------------------------------------


def test_evaluate_now_runs_the_evaluator_and_the_list_says_so(named, client, eager_celery):
    student = make_student(named.alpha.org, username="quick-finisher")
    record(student, Activity.COURSE_COMPLETED, course=named.alpha.course)
    client.force_login(named.alpha.admin)
    response = client.post(EVALUATE, follow=True)
    run = EvaluationRun.objects.get()  # ran in this process, before the response came back
    assert (run.trigger, run.requested_by, run.status) == ("manual", named.alpha.admin, "finished")
    assert IssuedBadge.objects.filter(badge=named.alpha.badge, recipient=student, source=Source.ACHIEVEMENT).exists()
    page = text(response)
    assert "Evaluation queued." in page
    assert f"Evaluate now by {named.alpha.admin.display_name}" in page
    assert "1 badge issued" in page


def test_evaluate_now_names_its_presser_as_the_issuer_and_dates_the_badge_today(named, client, eager_celery):
    """Issue 12: a badge met days ago and issued now says "Issued on" today (found by "Issued from" today) and
    "Earned on" the day it was met; Evaluate now's badges name who pressed it, for their organization only."""
    ours, theirs = make_student(named.alpha.org, username="quick-finisher"), make_student(named.beta.org)
    met = timezone.now() - timedelta(days=25)
    record(ours, Activity.COURSE_COMPLETED, met, course=named.alpha.course)
    record(theirs, Activity.COURSE_COMPLETED, met, course=named.beta.course)
    client.force_login(named.alpha.admin)
    client.post(EVALUATE)
    mine = IssuedBadge.objects.get(recipient=ours)
    other = IssuedBadge.objects.get(recipient=theirs)
    run = EvaluationRun.objects.get()
    assert (mine.issued_by, mine.batch.created_by, mine.earned_at) == (named.alpha.admin, named.alpha.admin, met)
    assert run.started_at <= mine.issued_at <= run.finished_at
    assert (other.issued_by, other.batch.created_by) == (None, None)  # Beta's badge: not in Alpha's name

    page = text(client.get(reverse("issued_badges:detail", args=[mine.pk])))
    today, earned = (f"{timezone.localtime(d):%b} {timezone.localtime(d).day}, {d.year}" for d in (mine.issued_at, met))
    assert f"Issued on {today}" in page and f"Earned on {earned}" in page
    assert f"Issued by {named.alpha.admin.display_name}" in page
    found = text(client.get(reverse("issued_badges:find"), {"issued_from": timezone.localdate().isoformat()}))
    assert "quick-finisher" in found
    before = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert "quick-finisher" not in text(client.get(reverse("issued_badges:find"), {"issued_to": before}))
    export = client.get(reverse("issued_badges:export"), {"student": "quick-finisher"})
    [row] = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert (row["issued_at"], row["earned_at"]) == (mine.issued_at.isoformat(), met.isoformat())


@pytest.mark.parametrize("persona", ["instructor", "student"])
def test_only_administrators_may_evaluate_now(world, client, eager_celery, persona):
    client.force_login(getattr(world.alpha, persona))
    assert client.post(EVALUATE).status_code == 403
    assert not EvaluationRun.objects.exists()


def test_evaluate_now_is_post_only(world, client, eager_celery):
    client.force_login(world.alpha.admin)
    assert client.get(EVALUATE).status_code == 405
    assert not EvaluationRun.objects.exists()


# --- "Why not awarded?" ------------------------------------------------------------------------------


@pytest.fixture
def explained(named):
    """Alpha's student: holds the badge of the course achievement (the world's), 740 of 1,000 points,
    one of a path's two courses done, its exam not passed."""
    alpha = named.alpha
    student = alpha.student
    first, second = (
        CourseFactory(organization=alpha.org, title="Networks"),
        CourseFactory(organization=alpha.org, title="Security"),
    )
    path = LearningPathFactory(organization=alpha.org, title="Cloud path", exam_title="Cloud exam")
    LearningPathCourseFactory(learning_path=path, course=first, position=1)
    LearningPathCourseFactory(learning_path=path, course=second, position=2)
    cloud_pro, kilo = (BadgeFactory(organization=alpha.org, name=name) for name in ("Cloud Pro", "Kilo"))
    AchievementFactory(organization=alpha.org, name="Cloud path done", kind=Kind.LEARNING_PATH_COMPLETED,
                       course=None, learning_path=path, badge=cloud_pro)  # fmt: skip
    AchievementFactory(organization=alpha.org, name="Thousand points", kind=Kind.POINTS_REACHED, course=None,
                       points_threshold=1000, badge=kilo)  # fmt: skip
    record(student, Activity.COURSE_COMPLETED, when=datetime(2026, 3, 2, 10, tzinfo=UTC), course=first, points=500)
    record(student, Activity.POINTS, points=240)
    return named


def test_why_not_awarded_explains_each_condition(explained, client):
    alpha = explained.alpha
    client.force_login(alpha.admin)
    response = client.get(reverse("people:user_badges", args=[alpha.student.pk]))
    assert response.status_code == 200
    assert [e.achievement.name for e in response.context["explanations"]] == [
        "Alpha course finisher", "Cloud path done", "Thousand points"
    ]  # fmt: skip
    lines = condition_lines(response)
    assert f"✔ Done: Course “{alpha.course.title}” completed" in lines[0]
    assert lines[1:] == [
        "✔ Done: Course “Networks” completed · Mar 2, 2026",
        "✘ Not yet: Course “Security” completed",
        "✘ Not yet: Exam “Cloud exam” passed",
        "✘ Not yet: 1,000 points · 740 / 1,000 points",
    ]
    page = text(response)
    assert "Why not awarded?" in page
    assert "Alpha course finisher Badge held" in page
    assert "Cloud path done 1 of 3 done" in page
    assert "Thousand points 0 of 1 done" in page
    assert "Beta course finisher" not in page


def test_conditions_are_dated_in_the_portals_time_zone(explained, client, settings):
    settings.TIME_ZONE = "America/New_York"
    alpha = explained.alpha
    alpha.activity.delete()  # the world's record of this course, made today
    record(alpha.student, Activity.COURSE_COMPLETED, when=datetime(2026, 3, 2, 2, tzinfo=UTC), course=alpha.course)
    client.force_login(alpha.admin)
    lines = condition_lines(client.get(reverse("people:user_badges", args=[alpha.student.pk])))
    assert lines[0] == f"✔ Done: Course “{alpha.course.title}” completed · Mar 1, 2026"  # 9 pm in New York


def test_an_achievement_met_but_not_yet_run_says_so(explained, client):
    alpha = explained.alpha
    record(alpha.student, Activity.POINTS, points=260)
    client.force_login(alpha.admin)
    response = client.get(reverse("people:user_badges", args=[alpha.student.pk]))
    assert "Thousand points Met: issued at the next evaluation" in text(response)
    assert "✔ Done: 1,000 points · 1,000 / 1,000 points" in condition_lines(response)


def test_another_organizations_administrator_cannot_see_the_student(explained, client):
    client.force_login(explained.beta.admin)
    assert client.get(reverse("people:user_badges", args=[explained.alpha.student.pk])).status_code == 404


def test_the_student_sees_their_own_explanations(explained, client):
    client.force_login(explained.alpha.student)
    response = client.get(reverse("people:my_badges"))
    page = text(response)
    assert "checked now against everything you have done" in page
    assert "✘ Not yet: 1,000 points · 740 / 1,000 points" in condition_lines(response)
    assert "Cloud path done" in page


def test_why_not_awarded_runs_the_same_number_of_queries_with_2_and_8_achievements(
    explained, client, django_assert_num_queries
):
    alpha = explained.alpha
    Achievement.objects.filter(name="Thousand points").update(is_active=False)
    url_ = reverse("people:user_badges", args=[alpha.student.pk])
    client.force_login(alpha.admin)
    # session, user (with organization), administered organizations, organization tree, the student,
    # badges the viewer may see, students the viewer teaches, the student's badges; explanations:
    # organization tree (home line), classes, course assignments, classes the viewer teaches,
    # achievements (with their targets), course sets, learning paths' courses, first activity and points
    # per target, achievements earned; navigation roles, the "Achievements earned" list
    expected = 19
    with django_assert_num_queries(expected):
        assert len(client.get(url_).context["explanations"]) == 2
    for n in range(6):
        kind = [Kind.COURSES_COMPLETED, Kind.LAB_LAUNCHED, Kind.POINTS_REACHED][n % 3]
        made = AchievementFactory(organization=alpha.org, kind=kind, course=None,
                                  lab=alpha.lab if kind == Kind.LAB_LAUNCHED else None,
                                  points_threshold=50 * (n + 1) if kind == Kind.POINTS_REACHED else None)  # fmt: skip
        if kind == Kind.COURSES_COMPLETED:
            made.courses.set([alpha.course, alpha.child_course])
    with django_assert_num_queries(expected):
        response = client.get(url_)
    assert len(response.context["explanations"]) == 8


def test_an_administrator_of_several_organizations_sees_whose_each_choice_is(world, client):
    client.force_login(world.alpha.admin)  # Alpha Academy and its child Alpha Academy Labs
    html = client.get(reverse("achievements:create")).content.decode()
    badges = html[html.index('name="badge"') : html.index("</select>", html.index('name="badge"'))]
    labs = badges.index('<optgroup label="Alpha Academy Labs">')
    assert badges.index(world.alpha.badge.name) < labs < badges.index(world.alpha.child_badge.name)
    assert world.beta.badge.name not in html


def test_the_list_filters_by_words_and_status_and_says_why_a_bad_value_shows_nothing(world, client):
    from apps.achievements.tests.factories import AchievementFactory

    AchievementFactory(
        organization=world.alpha.org,
        course=world.alpha.course,
        badge=world.alpha.badge,
        name="Dormant",
        is_active=False,
    )
    client.force_login(world.alpha.admin)
    names = lambda response: [a.name for a in response.context["page"].object_list]  # noqa: E731
    assert names(client.get(reverse("achievements:list"), {"status": "inactive"})) == ["Dormant"]
    assert "Dormant" not in names(client.get(reverse("achievements:list"), {"status": "active"}))
    assert names(client.get(reverse("achievements:list"), {"q": "dorm"})) == ["Dormant"]
    bad = client.get(reverse("achievements:list"), {"status": "sometimes"})
    assert bad.status_code == 200 and names(bad) == []
    assert "Status: “sometimes” is not one of the choices." in bad.content.decode()
    assert "Nothing is listed until the filters above are corrected." in bad.content.decode()
    html = client.get(reverse("achievements:list")).content.decode()
    assert world.beta.achievement.name not in html


def test_another_organizations_evaluate_now_is_not_listed_where_it_evaluated_nothing(world, client):
    from django.utils import timezone

    from apps.achievements.models import EvaluationRun

    now = timezone.now()
    EvaluationRun.objects.create(mode="full", status="finished", trigger="schedule", started_at=now)
    EvaluationRun.objects.create(mode="full", status="finished", trigger="manual", requested_by=world.beta.admin,
                                 started_at=now)  # fmt: skip
    client.force_login(world.alpha.admin)
    runs = client.get(reverse("achievements:list")).context["runs"]
    assert [run.trigger for run in runs] == ["schedule"]
    client.force_login(world.beta.admin)
    runs = client.get(reverse("achievements:list")).context["runs"]
    assert sorted(run.trigger for run in runs) == ["manual", "schedule"]
    assert [run.requester for run in runs if run.trigger == "manual"] == [world.beta.admin]


def test_after_evaluate_now_the_card_waits_for_the_run_then_shows_its_progress(named, client):
    """No worker here: the queued run has not started, and the card says so and keeps asking (htmx, every 3 s). Once
    a run is running in shards, it shows the parts of the viewer's achievements done and the badges so far; when the
    run has started since, it stops waiting."""
    client.force_login(named.alpha.admin)
    client.post(EVALUATE)
    card = client.get(reverse("achievements:evaluations")).content.decode()
    assert "Evaluation queued: it starts as soon as a worker is free." in card
    assert 'hx-trigger="every 3s"' in card and 'hx-get="/achievements/evaluations/"' in card

    run = run_start(mode="full", trigger="manual", requested_by=named.alpha.admin)
    run = full_run(run, heartbeat=Heartbeat(run), dispatch=lambda shard_ids: None)  # handed to workers
    assert run.shards_total == 2  # Alpha's achievement and Beta's
    card = client.get(reverse("achievements:evaluations")).content.decode()
    assert "Evaluation queued" not in card  # started
    assert "running now: <strong>0 of 1 part</strong> done, 0 badges issued so far." in card
    assert '<progress class="w-100 mb-2" id="evaluation-progress" value="0" max="1"' in card
    assert 'hx-trigger="every 3s"' in card

    client.force_login(named.beta.admin)  # Beta's administrator: Beta's part only
    assert "0 of 1 part" in client.get(reverse("achievements:evaluations")).content.decode()
    for shard in run.shards.all():
        shard_run(shard.pk, retries_left=False)
    client.force_login(named.alpha.admin)
    card = client.get(reverse("achievements:evaluations")).content.decode()
    assert "1 achievement evaluated" in card and "hx-trigger" not in card and "<progress" not in card


def test_the_evaluations_card_takes_the_same_queries_however_many_parts_the_run_has(named, client):
    """Its progress is two aggregate queries over the run's shards, not one per part."""
    client.force_login(named.alpha.admin)
    url = reverse("achievements:evaluations")

    def queries_while_running() -> int:
        run = run_start(mode="full", trigger="schedule", requested_by=None)
        full_run(run, heartbeat=Heartbeat(run), dispatch=lambda shard_ids: None)
        with CaptureQueriesContext(connection) as ctx:
            assert "running now" in client.get(url).content.decode()
        EvaluationRun.objects.filter(pk=run.pk).update(status="interrupted")
        return len(ctx.captured_queries)

    few = queries_while_running()
    for _ in range(6):  # six more achievements of Alpha's: six more parts
        AchievementFactory(organization=named.alpha.org, badge=named.alpha.badge, course=named.alpha.course)
    assert queries_while_running() == few

"""An achievement created through its form and preview in Chromium, then seen on a student's page (issue 5)."""

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.achievements.models import Achievement
from apps.achievements.services import achievements_evaluate
from apps.achievements.services.runs import Heartbeat, run_start
from apps.achievements.services.shards import full_run, shard_run
from apps.achievements.tests.factories import AchievementFactory
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import CourseFactory
from apps.issued_badges.models import IssuedBadge
from apps.organizations.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_an_achievement_preview_it_then_see_it_on_the_students_page(
    demo_world, sign_in, live_server, page: Page
):
    sign_in(page, "nw-admin")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Achievements").click()
    page.get_by_role("link", name="New achievement").click()

    # Choosing a kind shows the one target it needs.
    page.get_by_label("Name").fill("Networking done")
    kind = page.get_by_label("Kind")
    kind.select_option(label="Points reached")
    expect(page.get_by_label("Points")).to_be_visible()
    expect(page.get_by_label("Course", exact=True)).to_be_hidden()
    kind.select_option(label="Course completed")
    expect(page.get_by_label("Course", exact=True)).to_be_visible()
    for hidden in ("Lab", "Courses", "Learning path", "Points"):
        expect(page.get_by_label(hidden, exact=True)).to_be_hidden()
    page.get_by_label("Course", exact=True).select_option(label="NET-110 Cloud Networking Essentials")
    page.get_by_label("Badge").select_option(label="Cloud Explorer")
    page.get_by_role("button", name="Preview").click()

    # The preview: who already qualifies, and how they are told.
    expect(page.get_by_role("heading", name="Before creating “Networking done”")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 students already qualify")
    expect(page.get_by_role("status")).to_contain_text("will receive “Cloud Explorer”")
    expect(page.get_by_text("(nw-student01)")).to_be_visible()
    expect(page.get_by_text("(nw-student02)")).to_be_visible()
    assert not Achievement.objects.filter(name="Networking done").exists()
    page.get_by_label("Silent (no e-mail)").check()
    page.get_by_role("button", name="Create achievement").click()

    expect(page.get_by_role("alert")).to_contain_text("Achievement “Networking done” created.")
    expect(page.get_by_role("heading", name="Networking done")).to_contain_text("Active")
    expect(page.get_by_text("Silent (no e-mail)")).to_be_visible()
    achievement = Achievement.objects.get(name="Networking done")
    assert (achievement.kind, achievement.course.code, achievement.badge.name, achievement.notification) == (
        "course_completed", "NET-110", "Cloud Explorer", "silent"
    )  # fmt: skip

    run = achievements_evaluate()  # what the hourly task does
    assert run.evaluations.get(achievement=achievement).badges_issued == 2

    student = User.objects.get(username="nw-student02")
    page.goto(f"{live_server.url}/users/{student.pk}/badges/")
    card = page.get_by_role("article").filter(has_text="Cloud Explorer").first
    expect(card).to_contain_text("Achievement · Networking done")
    why = page.get_by_role("region", name="Why not awarded?")
    networking = why.get_by_role("article").filter(has_text="Networking done")
    expect(networking).to_contain_text("Badge held")
    condition = networking.get_by_role("listitem")
    expect(condition).to_contain_text("✔")
    expect(condition).to_contain_text(f"Course “Cloud Networking Essentials” completed · {_date(student)}")
    path = why.get_by_role("article").filter(has_text="Cloud Architect Path completed")
    expect(path).to_contain_text("2 of 4 done")
    expect(path.get_by_role("listitem").filter(has_text="Securing Cloud Workloads")).to_contain_text("✘")
    expect(path.get_by_role("listitem").filter(has_text="Cloud Architect Exam")).to_contain_text("✘")
    expect(path.get_by_role("listitem").filter(has_text="Cloud Fundamentals")).to_contain_text("✔")
    assert IssuedBadge.objects.get(recipient=student, badge__name="Cloud Explorer").achievement == achievement


def _date(student) -> str:
    first = student.activity_records.get(course__code="NET-110").occurred_at
    return f"{first:%b %-d, %Y}"


def test_a_running_evaluation_shows_its_progress_and_then_its_result_without_a_reload(
    demo_world, sign_in, live_server, page: Page
):
    """A full run handed to workers (its shards queued): the Evaluations card shows the parts done of the
    administrator's achievements and the badges issued so far, asks for itself again every few seconds while the run
    runs, and shows the result when the last part ends — the page is never reloaded. The shards are run here, as
    a worker would run them."""
    contoso = Organization.objects.get(slug="contoso-learning")  # another organization's achievement in the run
    AchievementFactory(organization=contoso, badge=BadgeFactory(organization=contoso), notification="silent",
                       course=CourseFactory(organization=contoso))  # fmt: skip
    run = run_start(mode="full", trigger="schedule", requested_by=None)
    run = full_run(run, heartbeat=Heartbeat(run), dispatch=lambda shard_ids: None)  # queued, for workers
    shards = list(run.shards.filter(status="queued").order_by("pk"))
    nw_admin = User.objects.get(username="nw-admin")
    mine = run.shards.filter(achievement__in=Achievement.objects.administered_by(nw_admin)).count()
    assert run.status == "running" and len(shards) >= 2 and 1 <= mine < run.shards_total  # another org's too

    sign_in(page, "nw-admin")
    page.goto(f"{live_server.url}/achievements/")
    card = page.get_by_role("region", name="Evaluations")
    expect(card).to_contain_text(f"running now: 0 of {mine} parts done, 0 badges issued so far.")
    expect(card.locator("progress")).to_have_attribute("max", str(mine))

    shard_run(shards[0].pk, retries_left=False)  # a worker runs the largest part
    done = run.shards.filter(status="done", achievement__in=Achievement.objects.administered_by(nw_admin))
    expect(card).to_contain_text(f"running now: {done.count()} of {mine} part", timeout=10_000)
    expect(card).to_contain_text(" left.")  # the pace is known: the time left

    for shard in shards[1:]:
        shard_run(shard.pk, retries_left=False)
    run.refresh_from_db()
    assert run.status == "finished"
    evaluations = run.evaluations.filter(achievement__in=Achievement.objects.administered_by(nw_admin))
    badges = sum(evaluation.badges_issued for evaluation in evaluations)
    expect(card).to_contain_text(f"{len(evaluations)} achievements evaluated", timeout=10_000)
    expect(card).to_contain_text(f"{badges} badge")
    expect(card.locator("progress")).to_have_count(0)
    assert card.get_attribute("hx-trigger") is None  # no longer asking

"""No link leads to a dead end: every link on every page a persona reaches opens for that persona.

The demo world with a badge issued from every source (roster by the class's instructor and by the contract
instructor, Issue Badges page, course assignment, username lists of both organizations, the hourly evaluation
and an administrator's Evaluate now, one revoked), walked from the home page by following links as each demo
persona: no link answers 403, 404 or 500. A link is shown only to who may open it.
"""

import re
from collections import Counter, deque
from datetime import timedelta
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.achievements.services.evaluation import achievements_evaluate
from apps.activity.models import ActivityRecord
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.classes.models import Classroom, Enrollment
from apps.courses.models import Lab
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke

HREF = re.compile(r'href="([^"#]*)"')
PER_ROUTE = 25  # distinct URLs followed per URL name and persona: every object of the world, not every filter
PERSONAS = ["admin", "nw-admin", "nw-instructor", "contractor", "cl-admin", "nw-student01", "cl-student01"]


@pytest.fixture
def demo_world(db):
    call_command("seed_demo", verbosity=0)
    users = {user.username: user for user in User.objects.all()}
    cloud = Classroom.objects.get(title="Cloud Fundamentals")
    bootcamp = Classroom.objects.get(title="Data Analytics Bootcamp")
    explorer, pioneer, star = (Badge.objects.get(name=n) for n in ("Cloud Explorer", "Lab Pioneer", "Contoso Star"))
    northwind, contoso = explorer.organization, star.organization

    def issue(badge, username, actor, source, **context):
        return badges_issue(
            IssueRequest(
                badge_ids=[badge.pk], recipient_ids=[users[username].pk], actor=users[actor], source=source, **context
            )
        )

    # A second Northwind class its instructors do not teach, and the assigned student in their class: rows of
    # their students from pages they may not open.
    evening = Classroom.objects.create(
        organization=northwind, course=cloud.course, title="Cloud Fundamentals (evening)", starts_at=cloud.starts_at,
        ends_at=cloud.ends_at,
    )  # fmt: skip
    for username in ("nw-student01", "nw-student21"):
        Enrollment.objects.get_or_create(classroom=evening, student=users[username])
        Enrollment.objects.get_or_create(classroom=cloud, student=users[username])
    issue(pioneer, "nw-student01", "nw-admin", Source.ROSTER, classroom=evening)
    issue(explorer, "nw-student01", "nw-instructor", Source.ROSTER, classroom=cloud)
    issue(explorer, "cl-student01", "contractor", Source.ROSTER, classroom=cloud)
    issue(explorer, "nw-student02", "nw-admin", Source.BATCH, classroom=cloud)
    assignment = CourseAssignment.objects.get(student=users["nw-student21"])
    issue(explorer, "nw-student21", "nw-admin", Source.ASSIGNMENT, course_assignment=assignment)
    issue(explorer, "nw-student03", "nw-admin", Source.USERNAMES, organization=northwind)
    issue(star, "cl-student01", "cl-admin", Source.ROSTER, classroom=bootcamp)
    issue(star, "cl-student02", "cl-admin", Source.USERNAMES, organization=contoso)
    revoked = issue(explorer, "nw-student04", "nw-admin", Source.USERNAMES, organization=northwind)
    issued_badges_revoke(ids=[revoked.outcomes[0].issued_badge_id], actor=users["nw-admin"], reason="Issued by mistake")
    achievements_evaluate()  # the hourly run: Lab Pioneer and Cloud Architect from the demo's activity
    ActivityRecord.objects.create(
        user=users["nw-student05"],
        kind=ActivityRecord.Kind.LAB_LAUNCHED,
        lab=Lab.objects.get(code="CF-101-L1"),
        points=10,
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    achievements_evaluate(trigger="manual", requested_by=users["nw-admin"])  # Evaluate now
    assert pioneer.issued_badges.count() == 4  # nw-student01 held it by hand before the evaluation
    return users


def _links(html: str, base: str) -> list[str]:
    links = []
    for href in HREF.findall(html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or parts.path.startswith(("/static/", "/media/", "/admin/")):
            continue
        links.append(url)
    return links


@pytest.mark.parametrize("username", PERSONAS)
def test_every_link_opens_for_whoever_sees_it(demo_world, client, username):
    person = demo_world[username]
    client.force_login(person)
    # From the home page, and from the pages of the person's own badges (a student's e-mail links there).
    starts = ["/"] + [
        reverse("issued_badges:detail", args=[pk]) for pk in person.issued_badges.values_list("pk", flat=True)
    ]
    queue, seen, per_route, dead = deque((url, "(start)") for url in starts), set(starts), Counter(), []
    visited = 0
    while queue:
        url, page = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            dead.append(f"{url} ({response.status_code}) linked from {page}")
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for link in _links(response.content.decode(), url):
            try:
                route = resolve(urlsplit(link).path).view_name
            except Resolver404:
                dead.append(f"{link} (no such URL) linked from {url}")
                continue
            if link in seen or per_route[route] >= PER_ROUTE or route == "logout":
                continue
            seen.add(link)
            per_route[route] += 1
            queue.append((link, url))
    assert not dead, "\n".join(dead)
    assert visited >= len(starts) + 1

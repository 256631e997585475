"""The Roster page with 2,000 enrolled students against the same page with 5 (DESIGN §7).

Budget: the same query count as with 5 students; under 50 ms median server time
(measured through Django's test client, which runs the whole request/response
cycle in-process, middleware and template rendering included). Each enrolled
student holds a few badges, so the badges-held column is exercised.

Run: ./scripts/run-bench.sh bench/roster_page.py [--students 2000 --repeat 30]
"""

import argparse
import time

from _setup import drop_database, fresh_database, median, sql
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.tests.factories import make_administrator
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.courses.models import Course
from apps.issued_badges.models import IssuedBadge
from apps.organizations.models import Organization


def make_class(org, title: str, n_students: int, badge_ids: list[int]) -> Classroom:
    course = Course.objects.get_or_create(organization=org, code="R-1", defaults={"title": "Roster course"})[0]
    classroom = Classroom.objects.create(
        organization=org, course=course, title=title, starts_at="2026-01-01T00:00Z", ends_at="2026-02-01T00:00Z"
    )
    prefix = f"{title.lower().replace(' ', '-')}-"
    sql(
        f"INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined, organization_id, is_contract_instructor) "
        "SELECT '!', false, %s || g, 'First' || g, 'Last' || g, %s || g || '@example.com', false, true, now(), %s, "
        "false FROM generate_series(1, %s) g",
        [prefix, prefix, org.pk, n_students],
    )
    students = list(User.objects.filter(username__startswith=prefix).values_list("pk", flat=True))
    sql(
        "INSERT INTO classes_enrollment (classroom_id, student_id, enrolled_at) "
        "SELECT %s, s, now() FROM unnest(%s::bigint[]) s",
        [classroom.pk, students],
    )
    sql(
        f"INSERT INTO {IssuedBadge._meta.db_table} "
        "(uuid, badge_id, recipient_id, issued_at, source, revocation_reason) "
        "SELECT gen_random_uuid(), b, s, now(), 'roster', '' "
        "FROM unnest(%s::bigint[]) b CROSS JOIN unnest(%s::bigint[]) s",
        [badge_ids, students],
    )
    return classroom


def measure(client: Client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries = len(ctx.captured_queries)  # now: the next request empties the log
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return median(times), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = fresh_database()
    try:
        org = Organization.objects.create(name="Roster Academy", slug="roster-academy")
        badges = [
            Badge.objects.create(organization=org, name=f"Badge {n}", manual_issuance_enabled=True) for n in range(3)
        ]
        badge_ids = [b.pk for b in badges]
        small = make_class(org, "Small class", 5, badge_ids)
        big = make_class(org, "Big class", args.students, badge_ids)
        sql("VACUUM ANALYZE")
        client = Client()
        client.force_login(make_administrator(org, username="roster-admin"))
        small_time, small_queries = measure(client, f"/classes/{small.pk}/roster/", args.repeat)
        big_time, big_queries = measure(client, f"/classes/{big.pk}/roster/", args.repeat)
        deep_time, deep_queries = measure(client, f"/classes/{big.pk}/roster/?page=20", args.repeat)
        search_time, search_queries = measure(client, f"/classes/{big.pk}/roster/?q=big-class-19", args.repeat)
        n = f"{args.students:,}"
        for label, seconds, queries in [
            ("5 enrolled", small_time, small_queries),
            (f"{n} enrolled, page 1", big_time, big_queries),
            (f"{n} enrolled, page 20", deep_time, deep_queries),
            (f"{n} enrolled, search", search_time, search_queries),
        ]:
            print(f"roster, {label:<26} median {seconds * 1000:5.1f} ms, {queries} queries")
        worst = max(big_time, deep_time, search_time)
        same = small_queries == big_queries == deep_queries == search_queries
        print(f"ratio big / small: {big_time / small_time:.2f}; budget < 50 ms: {'OK' if worst < 0.05 else 'OVER'}; "
              f"same query count: {'OK' if same else 'NO'}")  # fmt: skip
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()

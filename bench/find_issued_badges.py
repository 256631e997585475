"""Find Issued Badges over 2,000,000 issued badges and 100,000 students (DESIGN §7, issue 4).

Data is generated with set-based SQL. Each view is timed through Django's test
client (the whole request: middleware, queries, template; without the test
environment's template instrumentation, which copies every context), median of --repeat
runs, next to the same view for an organization with 5 issued badges, whose
query count must be the same. Budget: every case under 50 ms median.

Run: ./scripts/run-bench.sh bench/find_issued_badges.py [--students 100000 --per-student 20 --repeat 15]
"""

import argparse
import re
import time
from datetime import timedelta

from _setup import drop_database, fresh_database, median, sql, timed
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tests.factories import make_administrator
from apps.badges.models import Badge
from apps.issued_badges.models import IssuedBadge, IssuedBadgeFacet
from apps.organizations.models import Organization

ISSUED = IssuedBadge._meta.db_table


def build(n_students: int, per_student: int) -> tuple[Organization, list[int]]:
    org = Organization.objects.create(name="Bench Academy", slug="bench-academy")
    badges = [
        Badge.objects.create(organization=org, name=f"Badge {n:02}", manual_issuance_enabled=True) for n in range(40)
    ]
    sql(
        f"INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined, organization_id, is_contract_instructor) "
        "SELECT '!', false, 'student' || g, "
        "(ARRAY['Ava','Liam','Maya','Noah','Zoe','Ethan','Isla','Lucas'])[1 + g %% 8], "
        "'Last' || g, 'student' || g || '@example.com', false, true, now(), %s, false "
        "FROM generate_series(1, %s) g",
        [org.pk, n_students],
    )
    admin = make_administrator(org, username="bench-admin")
    badge_ids = [b.pk for b in badges]
    sql(
        f"INSERT INTO {ISSUED} (uuid, badge_id, recipient_id, issued_at, issued_by_id, source, revoked_at, "
        "revocation_reason) "
        "SELECT gen_random_uuid(), (%s::bigint[])[1 + (s.n + j) %% 40], s.id, "
        "now() - ((s.n * 7 + j * 13) %% 730) * interval '1 day' - (s.n %% 86400) * interval '1 second', "
        "CASE WHEN j %% 4 = 2 THEN NULL ELSE %s END, "
        "(ARRAY['roster','batch','achievement','usernames'])[1 + j %% 4], "
        "CASE WHEN (s.n + j) %% 50 = 0 THEN now() ELSE NULL END, "
        "CASE WHEN (s.n + j) %% 50 = 0 THEN 'Bench revocation' ELSE '' END "
        f"FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {User._meta.db_table} "
        "      WHERE username LIKE 'student%%') s "
        "CROSS JOIN generate_series(0, %s - 1) j",
        [badge_ids, admin.pk, per_student],
    )
    sql("VACUUM ANALYZE")
    return org, badge_ids


def measure(client: Client, url: str, repeat: int) -> tuple[float, int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    queries = len(ctx.captured_queries)
    assert response.status_code == 200, (url, response.status_code)
    rows = len(re.findall(rb'href="/issued-badges/\d+/"', response.content))
    times = []
    for _ in range(repeat):
        seconds, _ = timed(lambda: client.get(url))
        times.append(seconds)
    return median(times), queries, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--per-student", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = fresh_database()
    try:
        start = time.perf_counter()
        _, badge_ids = build(args.students, args.per_student)
        total = IssuedBadge.objects.count()
        print(
            f"generated {total:,} issued badges for {args.students:,} students in {time.perf_counter() - start:.0f} s"
        )

        # The small organization's 5 rows match every case too (names, badge, dates, one revoked), so both
        # columns run the same queries: an empty result lets Django skip its page query.
        small_org = Organization.objects.create(name="Small Academy", slug="small-academy")
        small_badge = Badge.objects.create(organization=small_org, name="Small badge")
        for n in range(5):
            student = User.objects.create(
                username=f"small-student1234-{n}", first_name="Maya", last_name="Last4242", organization=small_org
            )
            sql(
                f"INSERT INTO {ISSUED} (uuid, badge_id, recipient_id, issued_at, source, revoked_at, "
                "revocation_reason) VALUES (gen_random_uuid(), %s, %s, now(), 'roster', "
                "CASE WHEN %s = 0 THEN now() END, CASE WHEN %s = 0 THEN 'Bench revocation' ELSE '' END)",
                [small_badge.pk, student.pk, n, n],
            )
        # What the door records beside the badges it issues: what Find Issued Badges may filter them by.
        sql(
            f"INSERT INTO {IssuedBadgeFacet._meta.db_table} "
            "(organization_id, issued_by_id, source, classroom_id, course_assignment_id) "
            "SELECT DISTINCT b.organization_id, i.issued_by_id, i.source, i.classroom_id, i.course_assignment_id "
            f"FROM {ISSUED} i JOIN {Badge._meta.db_table} b ON b.id = i.badge_id"
        )
        # Measure a settled database, not one still writing out the 2,000,000 rows just generated.
        sql("VACUUM ANALYZE")
        sql("CHECKPOINT")
        small_client = Client()
        small_client.force_login(make_administrator(small_org, username="small-admin"))
        client = Client()
        client.force_login(User.objects.get(username="bench-admin"))

        day = timezone.now().date()
        month_ago = (day - timedelta(days=30)).isoformat()
        # {badge} is a badge of the viewer's own organization in each run.
        cases = [
            ("first page", "/issued-badges/"),
            ("deep page (200)", "/issued-badges/?page=200"),
            ("student-name filter", "/issued-badges/?student=student1234"),
            ("student first+last name", "/issued-badges/?student=maya+last4242"),
            ("badge + date filter", f"/issued-badges/?badge={{badge}}&issued_from={month_ago}&issued_to={day}"),
            ("sorted by badge", "/issued-badges/?sort=badge"),
            ("revoked only", "/issued-badges/?status=revoked"),
        ]
        worst, same = 0.0, True
        print(f"{'':<26} {'2,000,000-row organization':>34}   {'5-row organization':>24}")
        for label, url in cases:
            seconds, queries, rows = measure(client, url.format(badge=badge_ids[7]), args.repeat)
            small_seconds, small_queries, _ = measure(small_client, url.format(badge=small_badge.pk), args.repeat)
            worst = max(worst, seconds)
            same &= queries == small_queries
            print(f"{label:<26} median {seconds * 1000:6.1f} ms, {queries} queries, {rows:>2} rows   "
                  f"median {small_seconds * 1000:5.1f} ms, {small_queries} queries")  # fmt: skip
        print(f"budget < 50 ms median: {'OK' if worst < 0.05 else 'OVER'} (worst {worst * 1000:.1f} ms); "
              f"same query count as with 5 rows: {'OK' if same else 'NO'}")  # fmt: skip
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()

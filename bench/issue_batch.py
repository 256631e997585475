"""Batch issuance through the one door against hand-written set-based SQL (DESIGN §7).

50 badges × 1,000 students (50,000 pairs), half of them already held. The
baseline is one hand-written ``INSERT … SELECT … ON CONFLICT DO NOTHING
RETURNING`` of the same pairs, measured in the same run on the same database.
Budget: door ≤ 1.5 × baseline, and a query count that does not grow with the
number of pairs. Prints the times, the ratio and the query counts.

Run: ./scripts/run-bench.sh bench/issue_batch.py [--badges 50 --students 1000 --repeat 5]
"""

import argparse

from _setup import drop_database, fresh_database, median, sql, timed
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.organizations.models import Organization

ISSUED = IssuedBadge._meta.db_table
LOG = IssuanceLog._meta.db_table
BATCH = IssuanceBatch._meta.db_table


def build_school(n_badges: int, n_students: int):
    """Organization, class, administrator, badges and enrolled students, made with set-based SQL; nothing issued."""
    from apps.accounts.tests.factories import make_administrator
    from apps.courses.models import Course

    org = Organization.objects.create(name="Bench Academy", slug="bench-academy")
    course = Course.objects.create(organization=org, code="B-1", title="Bench course")
    classroom = Classroom.objects.create(
        organization=org, course=course, title="Bench class", starts_at="2026-01-01T00:00Z", ends_at="2026-02-01T00:00Z"
    )
    admin = make_administrator(org, username="bench-admin")
    sql(
        f"INSERT INTO {Badge._meta.db_table} (organization_id, name, description, criteria, image, "
        "manual_issuance_enabled, is_active, created_at, updated_at) "
        "SELECT %s, 'Badge ' || g, '', '', '', true, true, now(), now() FROM generate_series(1, %s) g",
        [org.pk, n_badges],
    )
    sql(
        f"INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined, organization_id, is_contract_instructor) "
        "SELECT '!', false, 'student' || g, 'First' || g, 'Last' || g, '', false, true, now(), %s, false "
        "FROM generate_series(1, %s) g",
        [org.pk, n_students],
    )
    badge_ids = list(Badge.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
    student_ids = list(User.objects.filter(username__startswith="student").order_by("pk").values_list("pk", flat=True))
    sql(
        "INSERT INTO classes_enrollment (classroom_id, student_id, enrolled_at) "
        "SELECT %s, s, now() FROM unnest(%s::bigint[]) s",
        [classroom.pk, student_ids],
    )
    return classroom, admin, badge_ids, student_ids


def build_world(n_badges: int, n_students: int):
    """The school, half of whose pairs are already held, spread over every badge and student."""
    classroom, admin, badge_ids, student_ids = build_school(n_badges, n_students)
    sql(
        f"INSERT INTO {ISSUED} (uuid, badge_id, recipient_id, issued_at, source, revocation_reason) "
        "SELECT gen_random_uuid(), b.id, s.id, now(), 'roster', '' "
        "FROM unnest(%s::bigint[]) WITH ORDINALITY b(id, i) CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY s(id, j) "
        "WHERE (i + j) %% 2 = 0",
        [badge_ids, student_ids],
    )
    sql(f"VACUUM ANALYZE {ISSUED}")
    return classroom, admin, badge_ids, student_ids


def reset() -> None:
    """Back to the starting state: only the pre-held half remains."""
    sql(f"DELETE FROM {LOG}")
    sql(f"DELETE FROM {ISSUED} WHERE batch_id IS NOT NULL OR source <> 'roster'")
    sql(f"DELETE FROM {BATCH}")
    sql(f"VACUUM ANALYZE {ISSUED}")
    sql(f"VACUUM ANALYZE {LOG}")


def baseline(classroom, admin, badge_ids, student_ids) -> int:
    rows = sql(
        f"INSERT INTO {ISSUED} (uuid, badge_id, recipient_id, issued_at, issued_by_id, source, classroom_id, "
        "revocation_reason) "
        "SELECT gen_random_uuid(), b, s, now(), %s, 'batch', %s, '' "
        "FROM unnest(%s::bigint[]) b CROSS JOIN unnest(%s::bigint[]) s "
        "ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, badge_id, recipient_id",
        [admin.pk, classroom.pk, badge_ids, student_ids],
    )
    return len(rows)


def door(classroom, admin, badge_ids, student_ids):
    return badges_issue(
        IssueRequest(
            badge_ids=badge_ids, recipient_ids=student_ids, actor=admin, source=Source.BATCH, classroom=classroom
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=50)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    old_name = fresh_database()
    try:
        classroom, admin, badge_ids, student_ids = build_world(args.badges, args.students)
        pairs = len(badge_ids) * len(student_ids)
        door(classroom, admin, badge_ids[:1], student_ids[:2])  # warm caches and connections
        reset()

        door_times, base_times = [], []
        for run in range(args.repeat):
            # Alternate which goes first so neither always meets a freshly vacuumed table.
            order = [("door", door), ("baseline", baseline)]
            for name, fn in order if run % 2 == 0 else reversed(order):
                seconds, result = timed(lambda fn=fn: fn(classroom, admin, badge_ids, student_ids))
                inserted = result.issued_count if name == "door" else result
                assert inserted == pairs // 2, (name, inserted)
                (door_times if name == "door" else base_times).append(seconds)
                reset()

        with CaptureQueriesContext(connection) as big:
            report = door(classroom, admin, badge_ids, student_ids)
        reset()
        with CaptureQueriesContext(connection) as small:
            door(classroom, admin, badge_ids[:2], student_ids[:5])
        reset()

        by_code = report.by_code()
        door_median, base_median = median(door_times), median(base_times)
        ratio = door_median / base_median
        print(f"pairs: {pairs:,} ({len(badge_ids)} badges × {len(student_ids):,} students), half already held")
        print(f"outcomes: {by_code}")
        print(f"baseline INSERT … ON CONFLICT RETURNING: median {base_median * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in base_times)})")  # fmt: skip
        print(f"door badges_issue:                     median {door_median * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in door_times)})")  # fmt: skip
        print(f"ratio door / baseline: {ratio:.2f} (budget ≤ 1.50) {'OK' if ratio <= 1.5 else 'OVER BUDGET'}")
        print(
            f"door queries: {len(big.captured_queries)} for {pairs:,} pairs, {len(small.captured_queries)} for 10 pairs"
        )
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()

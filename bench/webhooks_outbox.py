"""The webhook outbox's cost at the issuing door: 50,000 badges issued in one pass with no webhook, and with one
and three subscribed webhooks (each badge's event and a delivery per webhook, written in the door's transaction);
then how fast a run sends deliveries to a receiver on 127.0.0.1.

Prints the door's median time in each case, the receiver's share and its query count, and deliveries per second.
Budget: with no webhook the receiver is one query; with webhooks a fixed few queries, however many badges.

Run: ./scripts/run-bench.sh bench/webhooks_outbox.py [--badges 50 --students 1000 --repeat 3]
"""

import argparse

from _setup import drop_database, fresh_database, median, sql, timed
from django.db import connection
from django.test.utils import CaptureQueriesContext
from issue_batch import ISSUED, LOG, door

from apps.accounts.models import User
from apps.accounts.tests.factories import make_administrator
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.courses.models import Course
from apps.issued_badges.models import IssuanceBatch, IssuedBadge, IssuedBadgeFacet
from apps.organizations.models import Organization
from apps.webhooks import outbox
from apps.webhooks.delivery import deliveries_send_due
from apps.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from apps.webhooks.tests.factories import WebhookFactory
from apps.webhooks.tests.receiver import Receiver


def build_world(n_badges: int, n_students: int):
    """Organization, class, administrator, badges and enrolled students (set-based SQL); nothing issued yet."""
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


def reset() -> None:
    """Nothing issued, nothing in the outbox."""
    for table in (WebhookDelivery, WebhookEvent):
        sql(f"DELETE FROM {table._meta.db_table}")
    sql(f"DELETE FROM {LOG}")
    sql(f"DELETE FROM {ISSUED}")
    sql(f"DELETE FROM {IssuedBadgeFacet._meta.db_table}")
    sql(f"DELETE FROM {IssuanceBatch._meta.db_table}")
    for table in (ISSUED, LOG, WebhookEvent._meta.db_table, WebhookDelivery._meta.db_table):
        sql(f"VACUUM ANALYZE {table}")


def clear_outbox() -> None:
    sql(f"DELETE FROM {WebhookDelivery._meta.db_table}")
    sql(f"DELETE FROM {WebhookEvent._meta.db_table}")
    sql(f"VACUUM ANALYZE {WebhookEvent._meta.db_table}")
    sql(f"VACUUM ANALYZE {WebhookDelivery._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=50)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--send", type=int, default=1000, help="deliveries to send to a local receiver (≤ students)")
    args = parser.parse_args()

    old_name = fresh_database()
    receiver_times: list[float] = []
    receiver = outbox.record_issued_badge_events

    def timed_receiver(*a, **kw):
        seconds, result = timed(lambda: receiver(*a, **kw))
        receiver_times.append(seconds)
        return result

    outbox.record_issued_badge_events = timed_receiver  # the signal holds the original: reconnect the timed one
    from apps.issued_badges.signals import issued_badges_changed

    issued_badges_changed.disconnect(dispatch_uid="webhooks.outbox")
    issued_badges_changed.connect(timed_receiver, dispatch_uid="webhooks.outbox")
    try:
        classroom, admin, badge_ids, student_ids = build_world(args.badges, args.students)
        organization = classroom.organization
        door(classroom, admin, badge_ids[:1], student_ids[:2])  # warm caches and connections
        reset()
        expected = len(badge_ids) * len(student_ids)
        for webhooks in (0, 1, 3):
            Webhook.objects.all().delete()
            for n in range(webhooks):
                WebhookFactory(organization=organization, url=f"https://hooks{n}.example.org/in")
            door_times, receiver_times[:] = [], []
            for _ in range(args.repeat):
                seconds, report = timed(lambda: door(classroom, admin, badge_ids, student_ids))
                assert report.issued_count == expected
                assert WebhookDelivery.objects.count() == expected * webhooks
                door_times.append(seconds)
                reset()
            door(classroom, admin, badge_ids, student_ids)
            ids = list(IssuedBadge.objects.values_list("pk", flat=True))
            clear_outbox()
            with CaptureQueriesContext(connection) as queries:
                receiver(action="issued", ids=ids)
            reset()
            print(
                f"{webhooks} webhook(s): door median {median(door_times) * 1000:.0f} ms for {expected:,} badges "
                f"(runs: {', '.join(f'{t * 1000:.0f}' for t in door_times)}); receiver median "
                f"{median(receiver_times) * 1000:.0f} ms, {len(queries.captured_queries)} queries"
            )
        Webhook.objects.all().delete()
        with Receiver(204) as local:
            WebhookFactory(organization=organization, url=local.url)
            door(classroom, admin, badge_ids[:1], student_ids[: args.send])
            seconds, sent = timed(lambda: deliveries_send_due(budget=600))
            assert sent == len(local.requests) == args.send
            print(f"sending: {sent:,} deliveries to 127.0.0.1 in {seconds:.1f} s ({sent / seconds:.0f}/s, one run)")
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()

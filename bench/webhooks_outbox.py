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
from issue_batch import ISSUED, LOG, build_school, door

from apps.issued_badges.models import IssuanceBatch, IssuedBadge, IssuedBadgeFacet
from apps.webhooks import outbox
from apps.webhooks.delivery import deliveries_send_due
from apps.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from apps.webhooks.tests.factories import WebhookFactory
from apps.webhooks.tests.receiver import Receiver


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
        classroom, admin, badge_ids, student_ids = build_school(args.badges, args.students)
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

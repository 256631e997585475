"""Credentials and e-mail at the issuing door (DESIGN §7, issue 14), then what they cost later.

1. 50 badges × 1,000 students (50,000 new pairs) issued by the door without e-mail, and with "Notify students"
   (an e-mail row per badge written by the outbox in the door's transaction); credentials cost nothing at issue
   (signed at first request, or by the sign-ahead task queued after commit — measured too, into a real Redis).
   Budget: with e-mail and credentials ≤ 1.2 × the door without them.
2. Signing throughput: OB 3.0 credentials signed per second (eddsa-rdfc-2022, one process).
3. The verification page's server time (test client) and its query count for two different badges.
   Budget: < 30 ms median, constant queries.
4. The e-mail outbox's sending rate (Django's in-memory backend: the portal's work, not an SMTP server's).

Run: ./scripts/run-bench.sh bench/credentials_and_email.py [--badges 50 --students 1000 --repeat 3]
"""

import argparse
import os
import time

from _setup import drop_database, fresh_database, median, sql, timed
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from issue_batch import ISSUED, LOG, build_school

from apps.credentials.models import IssuedCredential
from apps.credentials.services import credentials_sign
from apps.issued_badges.models import IssuanceBatch, IssuedBadge, IssuedBadgeFacet, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.notifications.models import BadgeEmail
from apps.notifications.sending import emails_send_due


def reset() -> None:
    for model in (BadgeEmail, IssuedCredential):
        sql(f"DELETE FROM {model._meta.db_table}")
    sql(f"DELETE FROM {LOG}")
    sql(f"DELETE FROM {ISSUED}")
    sql(f"DELETE FROM {IssuedBadgeFacet._meta.db_table}")
    sql(f"DELETE FROM {IssuanceBatch._meta.db_table}")
    for table in (ISSUED, LOG, BadgeEmail._meta.db_table):
        sql(f"VACUUM ANALYZE {table}")


def issue(classroom, admin, badge_ids, student_ids, notify=""):
    return badges_issue(
        IssueRequest(badge_ids=badge_ids, recipient_ids=student_ids, actor=admin, source=Source.BATCH,
                     classroom=classroom, notify=notify)
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=50)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sign", type=int, default=40, help="credentials to sign for the throughput")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CREDENTIALS_KEY = settings.CREDENTIALS_KEY or os.environ.get("CREDENTIALS_KEY")

    old_name = fresh_database()
    try:
        classroom, admin, badge_ids, student_ids = build_school(args.badges, args.students)
        sql("UPDATE accounts_user SET email = username || '@example.org' WHERE username LIKE 'student%%'")
        pairs = len(badge_ids) * len(student_ids)
        issue(classroom, admin, badge_ids[:1], student_ids[:2], notify="each")  # warm up
        reset()

        cases = {"without": ("", False), "with e-mail": ("each", False), "with e-mail + sign-ahead": ("each", True)}
        times = {name: [] for name in cases}
        for run in range(args.repeat):
            for name, (notify, ahead) in cases.items() if run % 2 == 0 else reversed(cases.items()):
                settings.CREDENTIALS_SIGN_AHEAD = ahead
                seconds, report = timed(lambda n=notify: issue(classroom, admin, badge_ids, student_ids, n))
                assert report.issued_count == pairs, (name, report.issued_count)
                assert BadgeEmail.objects.count() == (pairs if notify else 0)
                times[name].append(seconds)
                reset()
        settings.CREDENTIALS_SIGN_AHEAD = False
        without = median(times["without"])
        print(f"issuing {pairs:,} new pairs ({len(badge_ids)} badges × {len(student_ids):,} students), "
              f"median of {args.repeat}:")  # fmt: skip
        for name, values in times.items():
            ratio = median(values) / without
            verdict = (
                "" if name == "without" else f"  ratio {ratio:.2f} (budget ≤ 1.20) {'OK' if ratio <= 1.2 else 'OVER'}"
            )
            print(f"  door {name:<26} {median(values) * 1000:7.0f} ms{verdict}")

        # 2. Signing throughput, and 3. the verification page.
        issue(classroom, admin, badge_ids[:2], student_ids[: max(args.sign, 2)], notify="each")
        ids = list(IssuedBadge.objects.order_by("pk").values_list("pk", flat=True)[: args.sign])
        seconds, signed = timed(lambda: credentials_sign(issued_badge_ids=ids))
        print(f"signing: {signed} OB 3.0 credentials in {seconds:.2f} s = {signed / seconds:.1f} per second "
              f"({seconds / signed * 1000:.0f} ms each), one process")  # fmt: skip

        client = Client()
        uuids = list(IssuedBadge.objects.order_by("pk").values_list("uuid", flat=True)[:2])
        for uuid in uuids:
            client.get(f"/verify/{uuid}/")  # warm
        page_times, query_counts = [], []
        for uuid in uuids:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/verify/{uuid}/").status_code == 200
            query_counts.append(len(ctx.captured_queries))
        for n in range(30):
            start = time.perf_counter()
            client.get(f"/verify/{uuids[n % 2]}/")
            page_times.append(time.perf_counter() - start)
        page_ms = median(page_times) * 1000
        print(f"verification page: median {page_ms:.1f} ms (budget < 30 ms) {'OK' if page_ms < 30 else 'OVER'}; "
              f"queries {query_counts[0]} and {query_counts[1]} for two badges "
              f"{'(constant)' if len(set(query_counts)) == 1 else '(DIFFER)'}")  # fmt: skip

        # 4. Sending the outbox.
        sql(f"DELETE FROM {BadgeEmail._meta.db_table}")
        issue(classroom, admin, badge_ids[2:3], student_ids, notify="each")
        seconds, sent = timed(lambda: emails_send_due(budget=600))
        print(f"e-mail outbox: {sent:,} e-mails composed and sent in {seconds:.2f} s = {sent / seconds:.0f} per second "
              "(in-memory backend)")  # fmt: skip
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()

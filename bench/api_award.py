"""An award of one badge to 50 recipients through the API, against the door alone (DESIGN §7, issue 13).

Each round makes 50 fresh students; the API call (test client: authentication, throttle, idempotency, parsing,
name lookup, the door, the answer) is timed against the same door call with ids (IssueRequest, source API).
Budget: API ≤ 1.3 × the door; queries independent of the number of recipients (10 and 50 compared).

Run: ./scripts/run-bench.sh bench/api_award.py [--repeat 15]
"""

import argparse
import json
import time

from _setup import drop_database, fresh_database, median
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.access.policy import OrganizationActor
from apps.accounts.tests.factories import make_student
from apps.api.services import api_key_create
from apps.badges.models import Badge
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.organizations.models import Organization


def main(repeat: int) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]  # the test client's host
    settings.API_RATE = "100000/min"
    org = Organization.objects.create(name="Bench Academy", slug="bench-academy")
    _, key = api_key_create(organization=org, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    actor = OrganizationActor(organization_id=org.pk)

    def students(count):
        return [make_student(org) for _ in range(count)]

    def api(count, n):
        badge = Badge.objects.create(organization=org, name=f"API {count} {n}", manual_issuance_enabled=True)
        names = [s.username for s in students(count)]
        body = json.dumps({"recipients": names})
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(f"/api/v1/badges/{badge.pk}/awards/", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY=f"bench-{count}-{n}")  # fmt: skip
        elapsed = time.perf_counter() - start
        assert response.status_code == 200 and {r["status"] for r in response.json()["results"]} == {"issued"}, (
            response.status_code,
            response.content[:300],
        )
        return elapsed, len(ctx.captured_queries)

    def door(count, n):
        badge = Badge.objects.create(organization=org, name=f"Door {count} {n}", manual_issuance_enabled=True)
        ids = [s.pk for s in students(count)]
        start = time.perf_counter()
        report = badges_issue(
            IssueRequest(actor=actor, source=Source.API, organization=org, badge_ids=[badge.pk], recipient_ids=ids)
        )
        elapsed = time.perf_counter() - start
        assert report.issued_count == count
        return elapsed

    api(50, -1), door(50, -1)  # warm up
    api_times, door_times = [], []
    for n in range(repeat):  # alternate, so both meet the same machine
        api_times.append(api(50, n)[0])
        door_times.append(door(50, n))
    _, queries_10 = api(10, "q")
    _, queries_50 = api(50, "q")
    api_ms, door_ms = median(api_times) * 1000, median(door_times) * 1000
    ratio = api_ms / door_ms
    print(f"award of 50 recipients, median of {repeat}: API {api_ms:.1f} ms, the door alone {door_ms:.1f} ms, "
          f"ratio {ratio:.2f} (budget ≤ 1.3): {'OK' if ratio <= 1.3 else 'OVER'}")  # fmt: skip
    print(f"queries: {queries_10} with 10 recipients, {queries_50} with 50: "
          f"{'OK (independent)' if queries_10 == queries_50 else 'GROWS'}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    old = fresh_database()
    try:
        main(args.repeat)
    finally:
        drop_database(old)

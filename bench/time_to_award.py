"""Time to award (issue 13): with a real Celery worker on Redis, 20 activity posts per second through the API,
each completing an achievement for a new student — from the POST to the issued badge: p50, p95, max.
Budget: p95 ≤ 10 s.

Run: ./scripts/run-bench.sh bench/time_to_award.py [--rate 20 --seconds 60]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _setup import drop_database, fresh_database
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRun
from apps.achievements.tests.factories import AchievementFactory
from apps.api.services import api_key_create
from apps.issued_badges.models import IssuedBadge

ROOT = Path(__file__).resolve().parent.parent


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(rate: int, seconds: int) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.API_RATE = "1000000/min"
    achievement = AchievementFactory(notification="silent", badge__manual_issuance_enabled=False)
    count = rate * seconds
    students = [make_student(achievement.organization) for _ in range(count)]
    EvaluationRun.objects.create(mode="full", status="finished", started_at=timezone.now(), finished_at=timezone.now())
    _, key = api_key_create(organization=achievement.organization, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test",
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "VAR_DIR": tempfile.mkdtemp(),
    }
    worker = subprocess.Popen(  # a worker as in production, on its own
        [sys.executable, "-m", "celery", "-A", "badges_portal", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--purge"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(4)
    occurred = (timezone.now() - timedelta(minutes=1)).isoformat()
    posted: dict[int, float] = {}
    try:
        start = time.monotonic()
        for n, student in enumerate(students):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))  # 20 a second, on the clock
            item = {"username": student.username, "kind": "course_completed", "course": achievement.course.code,
                    "occurred_at": occurred}  # fmt: skip
            response = client.post("/api/v1/activities/", {"activities": [item]}, format="json")
            assert response.status_code == 200 and response.json()["recorded"] == 1, response.content[:200]
            posted[student.pk] = time.time()
        sent = time.monotonic() - start
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and IssuedBadge.objects.filter(badge=achievement.badge).count() < count:
            time.sleep(0.5)
        issued = dict(IssuedBadge.objects.filter(badge=achievement.badge).values_list("recipient_id", "issued_at"))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    delays = [issued[pk].timestamp() - at for pk, at in posted.items() if pk in issued]
    runs = EvaluationRun.objects.filter(trigger="activity", status="finished").count()
    print(f"{count} posts in {sent:.1f} s ({count / sent:.1f}/s), {len(delays)} badges issued in {runs} runs")
    if delays:
        p95 = quantile(delays, 0.95)
        print(f"POST to badge: p50 {quantile(delays, 0.5):.2f} s, p95 {p95:.2f} s, max {max(delays):.2f} s "
              f"(budget p95 ≤ 10 s: {'OK' if p95 <= 10 and len(delays) == count else 'OVER'})")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    old = fresh_database()
    try:
        main(args.rate, args.seconds)
    finally:
        drop_database(old)

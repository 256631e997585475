"""/metrics: request latency and queries per view, task durations and failures, badges issued per source, the
evaluation lag — and who may read them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRun
from apps.activity.models import ActivityRecord
from apps.activity.tests.factories import ActivityRecordFactory
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.webhooks.tasks import deliver_webhook, prune_webhook_deliveries

from .scraping import METRICS, scrape, value

LATENCY = "django_http_requests_latency_seconds_by_view_method_count"
QUERIES_COUNT, QUERIES_SUM = "portal_http_queries_per_request_count", "portal_http_queries_per_request_sum"


def test_a_request_is_timed_and_its_queries_counted_under_its_views_name(world, client):
    client.force_login(world.alpha.admin)
    before = scrape(client)
    assert client.get(reverse("classes:list")).status_code == 200
    assert client.get(reverse("classes:roster", args=[world.alpha.classroom.pk])).status_code == 200
    after = scrape(client)
    for view in ("classes:list", "classes:roster"):
        assert value(after, LATENCY, view=view, method="GET") - value(before, LATENCY, view=view, method="GET") == 1
        assert value(after, QUERIES_COUNT, view=view) - value(before, QUERIES_COUNT, view=view) == 1
        # A signed-in page reads at least its session and its user.
        assert value(after, QUERIES_SUM, view=view) - value(before, QUERIES_SUM, view=view) >= 2
    # Labels are URL names, never paths.
    assert not [labels for _, labels in after if any(v.startswith("/") for _, v in labels)]


def test_a_path_no_url_matches_is_counted_under_one_label(db, client):
    before = scrape(client)
    client.get("/no-such-page/12345/")
    after = scrape(client)
    assert value(after, QUERIES_COUNT, view="<unnamed view>") - value(before, QUERIES_COUNT, view="<unnamed view>") == 1
    assert not [key for key in after if "/no-such-page" in str(key)]


def test_a_streaming_responses_queries_are_counted_when_it_has_been_sent(world, client):
    client.force_login(world.alpha.admin)
    before = scrape(client)
    response = client.get(reverse("issued_badges:export"))
    assert response.streaming
    b"".join(response.streaming_content)
    after = scrape(client)
    name = "issued_badges:export"
    assert value(after, QUERIES_COUNT, view=name) - value(before, QUERIES_COUNT, view=name) == 1
    assert value(after, QUERIES_SUM, view=name) - value(before, QUERIES_SUM, view=name) >= 3


def test_tasks_are_timed_and_failures_counted_by_task_name(db, client, eager_celery):
    before = scrape(client)
    prune_webhook_deliveries.delay()  # eager: run here, through Celery's tracer and its signals
    prune_webhook_deliveries.delay()
    result = deliver_webhook.apply(args=["not-an-id"], throw=False)  # a real task that raises on a bad id
    assert result.failed()
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("portal_celery_task_duration_seconds_count", task="webhooks.prune") == 2
    assert grew("portal_celery_task_duration_seconds_sum", task="webhooks.prune") > 0
    assert grew("portal_celery_task_failures_total", task="webhooks.prune") == 0
    assert grew("portal_celery_task_duration_seconds_count", task="webhooks.deliver") == 1
    assert grew("portal_celery_task_failures_total", task="webhooks.deliver") == 1


def _issue(world, students, source=Source.USERNAMES):
    return badges_issue(
        IssueRequest(badge_ids=[world.alpha.badge.pk], recipient_ids=[s.pk for s in students],
                     actor=world.alpha.admin, source=source, organization=world.alpha.org)
    )  # fmt: skip


def test_badges_issued_through_the_door_are_counted_by_source_once_committed(
    world, client, django_capture_on_commit_callbacks
):
    students = [make_student(world.alpha.org) for _ in range(3)]
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_issue(world, students).issued) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_issue(world, [*students[:2], make_student(world.alpha.org)], Source.PROFILE).issued) == 1
    rolled_back = make_student(world.alpha.org)
    # Issued, then rolled back: nothing was issued.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        assert len(_issue(world, [rolled_back]).issued) == 1
        raise RuntimeError("rolled back")
    after = scrape(client)
    name = "portal_badges_issued_total"
    assert value(after, name, source="usernames") - value(before, name, source="usernames") == 3
    assert value(after, name, source="profile") - value(before, name, source="profile") == 1
    total = sum(v for (sample, _), v in after.items() if sample == name)
    assert total - sum(v for (sample, _), v in before.items() if sample == name) == 4


def _lag(client) -> float:
    return value(scrape(client), "portal_evaluation_lag_seconds")


def test_the_evaluation_lag_is_the_age_of_the_oldest_activity_no_completed_run_has_evaluated(db, client):
    assert ("portal_evaluation_lag_seconds", frozenset()) in scrape(client)
    assert _lag(client) == 0  # no activity at all
    old = ActivityRecordFactory()
    ActivityRecord.objects.filter(pk=old.pk).update(recorded_at=timezone.now() - timedelta(hours=1))
    ActivityRecordFactory()  # newer: the oldest one is what counts
    assert 3600 <= _lag(client) < 3700  # before any run: all activity waits
    now = timezone.now()
    EvaluationRun.objects.create(mode="full", status="finished", started_at=now, finished_at=now, watermark=old.pk)
    assert 0 <= _lag(client) < 60  # the newer record (recorded just now) still waits
    last = ActivityRecord.objects.order_by("-pk").first().pk
    # A run that failed is not the watermark's: the last finished one still is.
    EvaluationRun.objects.create(mode="full", status="failed", started_at=now, finished_at=now, watermark=last + 10)
    assert _lag(client) > 0
    # A partial run (some shards failed) is where the next incremental run starts from too.
    EvaluationRun.objects.create(mode="full", status="partial", started_at=now + timedelta(seconds=1),
                                 finished_at=now, watermark=last)  # fmt: skip
    assert _lag(client) == 0


def test_a_scrape_runs_one_query(db, client, django_assert_max_num_queries):
    ActivityRecordFactory()
    with django_assert_max_num_queries(2):
        response = client.get(METRICS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")  # the Prometheus text format
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_metrics_answer_only_the_allowed_networks_or_the_token(db, client, settings):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get(METRICS).status_code == 200  # loopback, the default network
    assert client.get(METRICS, **outside).status_code == 404
    assert client.post(METRICS, **outside).status_code == 404  # not even a CSRF or method refusal says it is there
    assert client.post(METRICS).status_code == 405
    assert client.get(METRICS, REMOTE_ADDR="::1").status_code == 200
    assert client.get(METRICS, REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200
    assert client.get(METRICS, REMOTE_ADDR="not an address").status_code == 404

    token = "s3cret-metrics-token"
    assert client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {token}", **outside).status_code == 404  # none set
    settings.METRICS_TOKEN = token
    assert client.get(METRICS, **outside).status_code == 404
    assert client.get(METRICS, HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 404
    assert client.get(METRICS, HTTP_AUTHORIZATION=f"Basic {token}", **outside).status_code == 404
    assert client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {token}x", **outside).status_code == 404
    response = client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {token}", **outside)
    assert response.status_code == 200 and "portal_evaluation_lag_seconds" in response.content.decode()

    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "203.0.113.0/24"]
    assert client.get(METRICS, **outside).status_code == 200
    assert client.get(METRICS, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(METRICS).status_code == 404  # loopback no longer listed

    # Behind a proxy the client is the address the proxy saw, not the proxy (nor what a client wrote on the left).
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert client.get(METRICS, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 404
    assert client.get(METRICS, HTTP_X_FORWARDED_FOR="10.0.0.5, 198.51.100.7", **proxy).status_code == 404
    assert client.get(METRICS, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code == 200


def test_a_network_that_is_not_one_fails_the_system_check(settings):
    from django.core.management.base import SystemCheckError

    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "10.0.0.300/24"]
    with pytest.raises(SystemCheckError, match="METRICS_ALLOWED_NETWORKS"):
        call_command("check")


def test_a_host_is_scraped_by_its_address_over_http(db, client, settings):
    """Prometheus scrapes each web host at its address (a Host header not in ALLOWED_HOSTS), over plain http, while
    the portal redirects everything else to https: the allowed scrape is answered; anyone else learns nothing."""
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is loaded: this test client's first request
    response = client.get(METRICS, HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and "portal_evaluation_lag_seconds" in response.content.decode()
    assert client.head(METRICS, HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get(METRICS, HTTP_HOST="10.0.0.7:8000", REMOTE_ADDR="203.0.113.9").status_code == 400  # the host
    assert client.get(METRICS, REMOTE_ADDR="203.0.113.9").status_code == 301  # to https, as any page
    assert client.get(METRICS, REMOTE_ADDR="203.0.113.9", secure=True).status_code == 404

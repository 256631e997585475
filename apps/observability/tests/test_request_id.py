"""The request id: sent back in X-Request-ID (a sane incoming one kept, anything else replaced), on every log record
written while the request runs, and carried into the Celery tasks it enqueues; the JSON log format."""

import io
import json
import logging
import re
import sys
from contextlib import contextmanager

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.api.tests.conftest import api_client
from apps.badges.tests.factories import BadgeFactory
from apps.observability.logging import JsonFormatter, RequestContextFilter

NEW_ID = re.compile(r"[0-9a-f]{32}")


@contextmanager
def json_log():
    """The root logger's records as the production console handler prints them under LOG_FORMAT=json (its filter
    and formatter), parsed back."""
    stream, records = io.StringIO(), []
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        records += [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_response_says_its_request_id_and_a_sane_incoming_one_is_kept(db, client):
    first, second = (client.get(reverse("login"))["X-Request-ID"] for _ in range(2))
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second) and first != second
    for sent in ("3f2c9a1e-7b1d-4c55-9e2a-0c7e5d1f00aa", "lb.req_0001", "A" * 64):
        assert client.get(reverse("login"), HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent
    # A redirect and a 404 say theirs too.
    assert NEW_ID.fullmatch(client.get(reverse("home"))["X-Request-ID"])
    assert NEW_ID.fullmatch(client.get("/no-such-page/")["X-Request-ID"])


@pytest.mark.parametrize(
    "sent", ["short", "A" * 65, "id with spaces", "forged\nERROR line", "id;drop", "ünïcode-id-1234", "<script>x"]
)
def test_an_incoming_request_id_that_is_not_a_sane_token_is_replaced(db, client, sent):
    got = client.get(reverse("login"), HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert NEW_ID.fullmatch(got), got


def test_log_records_written_during_a_request_carry_its_id(world, client):
    client.force_login(world.alpha.student)
    with json_log() as records:  # a student refused a staff page: the refusal log writes one line
        response = client.get(reverse("people:list"), HTTP_X_REQUEST_ID="req-refused-0001")
    assert response.status_code == 403
    refusal = next(r for r in records if r["logger"] == "portal.refusals")
    assert refusal["request_id"] == "req-refused-0001"
    assert refusal["refusal"]["status"] == 403  # the extra fields, as data
    assert {"time", "level", "logger", "message"} <= refusal.keys() and "task_id" not in refusal


def test_an_eager_task_enqueued_by_a_request_logs_with_the_requests_id(transactional_db, world, eager_celery):
    """Eager (the task runs inside the request, after its commit): the id is the request's context variable; the
    header a worker reads is tested with a real worker (test_worker.py, PostgreSQL and Redis)."""
    badge = BadgeFactory(organization=world.alpha.org, manual_issuance_enabled=True)
    student = make_student(world.alpha.org, email="eager@example.org")
    caller = api_client(world.alpha.org)
    with json_log() as records:
        response = caller.post(reverse("api:awards", args=[badge.pk]), {"recipients": [student.username]},
                               format="json", HTTP_X_REQUEST_ID="req-eager-0001")  # fmt: skip
    assert response.status_code == 200 and response["X-Request-ID"] == "req-eager-0001"
    in_task = [r for r in records if r.get("task_name") == "notifications.send_badge_emails"]
    assert in_task, records  # Celery's tracer logs the task's success inside it
    assert {(r["request_id"], len(r["task_id"])) for r in in_task} == {("req-eager-0001", 36)}


def test_the_json_formatter_writes_one_object_per_line_with_the_fields():
    formatter, context_filter = JsonFormatter(), RequestContextFilter()
    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.LogRecord("portal.test", logging.ERROR, __file__, 1, "failed %s", ("twice",), sys.exc_info())
    record.refusal = {"status": 403}
    record.request = object()  # not plain data (django.request's request): left out
    context_filter.filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "portal.test" and entry["message"] == "failed twice"
    assert entry["request_id"] is None and "task_id" not in entry
    assert entry["exc_info"].startswith("Traceback") and "ValueError: bad value" in entry["exc_info"]
    assert entry["refusal"] == {"status": 403} and "request" not in entry
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])

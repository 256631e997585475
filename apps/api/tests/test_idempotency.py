"""Idempotency-Key: the same key and body replay the first answer and write nothing; another body is a 422;
each API key has its own keys; keys live 24 hours. Throttling per key: 429 with Retry-After."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.api.models import IdempotentAnswer
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceBatch, IssuedBadge

from .conftest import api_client


def test_the_same_key_and_body_replay_the_answer_and_write_nothing(world, alpha_api):
    badge = BadgeFactory(organization=world.alpha.org, manual_issuance_enabled=True)
    student = make_student(world.alpha.org)
    url, body = reverse("api:awards", args=[badge.pk]), {"recipients": [student.username]}
    first = alpha_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.json()["results"][0]["status"] == "issued" and "Idempotent-Replayed" not in first
    batches = IssuanceBatch.objects.count()
    second = alpha_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert second.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()  # "issued" again, not "already_earned": the first answer
    assert IssuanceBatch.objects.count() == batches and IssuedBadge.objects.filter(badge=badge).count() == 1

    other = alpha_api.post(url, {"recipients": ["someone-else"]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and "used with another request" in other.json()["detail"]
    without = alpha_api.post(url, body, format="json")  # no key: a new request
    assert without.json()["results"][0]["status"] == "already_earned"


def test_an_answer_echoing_a_nul_character_is_kept_and_replayed(world, alpha_api):
    """Found by schemathesis: an activity item with an unknown field named with a NUL character is reported per item
    (200), and keeping that answer for its Idempotency-Key failed (PostgreSQL's JSON type refuses \\u0000): a 500."""
    url, body = reverse("api:activities"), {"activities": [{"bad\x00name": 1}]}
    first = alpha_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="nul")
    assert first.status_code == 200 and first.json()["results"][0]["errors"] == [
        "Item 1: fields not accepted: bad\x00name."
    ]
    again = alpha_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="nul")
    assert again["Idempotent-Replayed"] == "true" and again.status_code == first.status_code
    assert again.content == first.content and again["Content-Type"] == "application/json"


def test_keys_belong_to_one_api_key_and_expire_after_a_day(world, alpha_api):
    issued = world.alpha.issued
    url = reverse("api:revoke", args=[issued.uuid])
    assert alpha_api.post(url, {"reason": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 200
    other_key = api_client(world.alpha.org, "Another system")
    answer = other_key.post(url, {"reason": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert answer.status_code == 409  # its own request: already revoked, not a replay of the other key's answer
    IdempotentAnswer.objects.update(created_at=timezone.now() - timedelta(hours=25))
    late = alpha_api.post(url, {"reason": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert late.status_code == 409 and "Idempotent-Replayed" not in late  # expired: a new request


def test_a_body_refused_by_validation_is_not_kept_so_the_corrected_one_goes_through(world, alpha_api):
    """As payment APIs do: a request that did not pass validation started nothing, and its key stays free."""
    url = reverse("api:revoke", args=[world.alpha.issued.uuid])
    bad = alpha_api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="v")
    assert bad.status_code == 400 and not IdempotentAnswer.objects.exists()
    fixed = alpha_api.post(url, {"reason": "Copied"}, format="json", HTTP_IDEMPOTENCY_KEY="v")
    assert fixed.status_code == 200 and "Idempotent-Replayed" not in fixed
    assert alpha_api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256).status_code == 400


def test_over_the_rate_a_key_gets_429_with_retry_after(world, settings):
    settings.API_RATE = "3/min"
    from django.core.cache import cache

    cache.clear()
    caller, other = api_client(world.alpha.org), api_client(world.alpha.org, "Other")
    codes = [caller.get(reverse("api:badges")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = caller.get(reverse("api:badges"))
    assert int(throttled["Retry-After"]) > 0 and "throttled" in throttled.json()["detail"]
    assert other.get(reverse("api:badges")).status_code == 200  # per key

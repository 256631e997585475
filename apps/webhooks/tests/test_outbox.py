"""The outbox: every issue, revocation and reinstatement writes its events and deliveries in the door's own
transaction — for the subscribed, active webhooks of the badge's organization and the organizations above it —
and nothing, at the cost of one query, when no webhook is subscribed."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import (
    IssueRequest,
    badges_issue,
    badges_issue_each,
    issued_badges_reinstate,
    issued_badges_revoke,
)
from apps.webhooks.models import WebhookDelivery, WebhookEvent
from apps.webhooks.outbox import record_issued_badge_events

from .factories import WebhookFactory


class Boom(Exception):
    pass


def _award(world, students, badge=None, side=None):
    side = side or world.alpha
    return badges_issue(
        IssueRequest(badge_ids=[(badge or side.badge).pk], recipient_ids=[s.pk for s in students], actor=side.admin,
                     source=Source.USERNAMES, organization=(badge or side.badge).organization)
    )  # fmt: skip


def _students(world, count, side=None):
    side = side or world.alpha
    return [make_student(side.org, username=f"{side.org.slug}-s{n}") for n in range(count)]


def test_an_issue_writes_one_event_and_a_delivery_per_subscribed_webhook(world):
    first, second = WebhookFactory(organization=world.alpha.org), WebhookFactory(organization=world.alpha.org)
    [student] = _students(world, 1)
    report = _award(world, [student])
    issued = IssuedBadge.objects.get(badge=world.alpha.badge, recipient=student)
    [event] = WebhookEvent.objects.all()
    assert (event.type, event.issued_badge_id, event.organization_id) == ("badge.issued", issued.pk, world.alpha.org.pk)
    assert (event.occurred_at, event.revoked_at, event.reason) == (issued.issued_at, None, "")
    assert event.uuid is not None
    deliveries = WebhookDelivery.objects.filter(event=event).order_by("webhook_id")
    assert [(d.webhook_id, d.status, d.attempts, d.next_attempt_at) for d in deliveries] == [
        (first.pk, "pending", 0, issued.issued_at),
        (second.pk, "pending", 0, issued.issued_at),
    ]
    assert report.issued_count == 1


@pytest.mark.parametrize("change", ["issue", "revoke", "reinstate"])
def test_the_outbox_is_rolled_back_with_the_change(world, change):
    WebhookFactory(organization=world.alpha.org)
    issued = world.alpha.issued
    if change == "reinstate":
        issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    before = (WebhookEvent.objects.count(), WebhookDelivery.objects.count())
    [student] = _students(world, 1)
    with pytest.raises(Boom), transaction.atomic():
        if change == "issue":
            _award(world, [student])
        elif change == "revoke":
            issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Cheating")
        else:
            issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="Earned")
        assert WebhookEvent.objects.count() == before[0] + 1  # written inside the transaction…
        raise Boom
    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count()) == before  # …and gone with it
    issued.refresh_from_db()
    assert issued.is_revoked == (change == "reinstate")
    assert not IssuedBadge.objects.filter(recipient=student).exists()


def test_revoke_and_reinstate_record_the_state_they_leave(world):
    WebhookFactory(organization=world.alpha.org)
    issued = world.alpha.issued
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Cheating")
    issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="Cleared")
    revoked, reinstated = WebhookEvent.objects.order_by("pk")
    issued.refresh_from_db()
    assert (revoked.type, revoked.issued_badge_id, revoked.reason) == ("badge.revoked", issued.pk, "Cheating")
    assert revoked.revoked_at is not None and revoked.revoked_at == revoked.occurred_at
    assert (reinstated.type, reinstated.revoked_at, reinstated.reason) == ("badge.reinstated", None, "")
    assert revoked.uuid != reinstated.uuid
    assert WebhookDelivery.objects.count() == 2


def test_only_subscribed_active_webhooks_of_the_organization_or_above_get_deliveries(world):
    alpha, beta = world.alpha, world.beta
    parent = WebhookFactory(organization=alpha.org)  # hears of Alpha Labs too
    child = WebhookFactory(organization=alpha.child)
    WebhookFactory(organization=beta.org)
    WebhookFactory(organization=alpha.org, events=["badge.revoked"])
    WebhookFactory(organization=alpha.org, is_active=False)
    student = make_student(alpha.child, username="labs-new")
    _award(world, [student], badge=alpha.child_badge)
    [event] = WebhookEvent.objects.all()
    assert event.organization_id == alpha.child.pk
    assert set(event.deliveries.values_list("webhook_id", flat=True)) == {parent.pk, child.pk}
    _award(world, _students(world, 1))  # Alpha's own badge: not the child's webhook
    latest = WebhookEvent.objects.order_by("-pk").first()
    assert set(latest.deliveries.values_list("webhook_id", flat=True)) == {parent.pk}


def test_several_issuances_at_once_record_every_badge(world):
    """The evaluator issues each achievement's badge of a run in one pass: one signal for all of them."""
    WebhookFactory(organization=world.alpha.org)
    students = [make_student(world.alpha.child, username=f"labs-{n}") for n in range(4)]  # both badges reach them
    requests = [
        IssueRequest(badge_ids=[badge.pk], recipient_ids=[s.pk for s in students], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=badge.organization)
        for badge in (world.alpha.badge, world.alpha.child_badge)
    ]  # fmt: skip
    reports = badges_issue_each(requests)
    issued = set(IssuedBadge.objects.filter(recipient__in=students).values_list("pk", flat=True))
    assert sum(r.issued_count for r in reports) == len(issued) == 8
    assert set(WebhookEvent.objects.values_list("issued_badge_id", flat=True)) == issued
    assert WebhookDelivery.objects.count() == 8


def test_without_a_webhook_nothing_is_written_and_the_receiver_costs_one_query(world):
    WebhookFactory(organization=world.alpha.org, events=["badge.revoked"])  # not subscribed to issues
    WebhookFactory(organization=world.beta.org, is_active=False)
    _award(world, _students(world, 5))
    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count()) == (0, 0)
    ids = list(range(1, 50_001))  # as many as the evaluator issues at once
    with CaptureQueriesContext(connection) as queries:
        record_issued_badge_events(action="issued", ids=ids)
    assert len(queries.captured_queries) == 1  # the active webhooks


def _receiver_queries(ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        record_issued_badge_events(action="issued", ids=ids)
    return len(queries.captured_queries)


def test_with_webhooks_the_receiver_takes_the_same_queries_however_many_badges(world):
    few = [r.issued_badge_id for r in _award(world, _students(world, 2)).outcomes]
    many = [make_student(world.alpha.child, username=f"many-{n}") for n in range(121)]
    many = [r.issued_badge_id for r in _award(world, many, badge=world.alpha.child_badge).outcomes]
    WebhookFactory(organization=world.alpha.org)  # hears of both
    WebhookFactory(organization=world.alpha.child)  # hears of the child's badge
    small, big = _receiver_queries(few), _receiver_queries(many)
    if connection.vendor == "postgresql":
        # The active webhooks, the organizations' parents, one INSERT of the events and their deliveries.
        assert small == big == 3
    else:  # SQLite: per chunk of 500 badges a read and the INSERTs, in batches of 999 parameters
        assert (small, big) == (5, 7)
    assert WebhookEvent.objects.count() == 2 + 121
    assert WebhookDelivery.objects.count() == 2 + 2 * 121

"""The services the pages and the REST API call: create (the secret returned once), delete, enable/disable, the
selector — each for an administrator of the webhook's organization or its API key, nobody else."""

import base64

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access.policy import OrganizationActor
from apps.webhooks import services
from apps.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from apps.webhooks.selectors import webhooks_for
from apps.webhooks.services import webhook_create, webhook_delete, webhook_send_test, webhook_set_active

from .factories import WebhookFactory


def test_create_returns_the_webhook_and_a_standard_webhooks_secret(world):
    webhook, secret = webhook_create(
        organization=world.alpha.org, url=" https://lms.partner.org/hooks ", actor=world.alpha.admin,
        events=["badge.revoked", "badge.issued", "badge.issued"],
    )  # fmt: skip
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    webhook.refresh_from_db()
    assert (webhook.url, webhook.events, webhook.secret) == (
        "https://lms.partner.org/hooks", ["badge.issued", "badge.revoked"], secret
    )  # fmt: skip
    assert (webhook.organization, webhook.created_by, webhook.is_active) == (world.alpha.org, world.alpha.admin, True)
    assert webhook_create(organization=world.alpha.org, url="https://b.example.org/", events=["badge.issued"],
                          actor=world.alpha.admin)[1] != secret  # fmt: skip


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "Choose at least one event."),
        ("badge.issued", "Choose at least one event."),
        (
            ["badge.issued", "user.deleted"],
            "Not an event: user.deleted. Choose from badge.issued, badge.revoked, badge.reinstated.",
        ),
        (["webhook.test"], "Not an event: webhook.test. Choose from badge.issued, badge.revoked, badge.reinstated."),
    ],
)
def test_events_must_be_known_and_subscribable(world, events, message):
    with pytest.raises(ValidationError) as refused:
        webhook_create(organization=world.alpha.org, url="https://x.example.org/", events=events,
                       actor=world.alpha.admin)  # fmt: skip
    assert refused.value.message_dict == {"events": [message]}
    assert not Webhook.objects.exists()


def test_only_an_administrator_of_the_organization_or_its_key_manages_its_webhooks(world):
    alpha, beta = world.alpha, world.beta
    for actor in (beta.admin, alpha.instructor, alpha.student, OrganizationActor(beta.org.pk)):
        with pytest.raises(PermissionDenied):
            webhook_create(organization=alpha.org, url="https://x.example.org/", events=["badge.issued"], actor=actor)
    key = OrganizationActor(alpha.org.pk, name="Alpha system")
    webhook, _ = webhook_create(organization=alpha.child, url="https://x.example.org/", events=["badge.issued"],
                                actor=key)  # fmt: skip
    assert webhook.created_by is None
    for actor in (beta.admin, OrganizationActor(beta.org.pk)):
        with pytest.raises(PermissionDenied):
            webhook_delete(webhook=webhook, actor=actor)
        with pytest.raises(PermissionDenied):
            webhook_set_active(webhook=webhook, actor=actor, active=False)
        with pytest.raises(PermissionDenied):
            webhook_send_test(webhook=webhook, actor=actor)
    assert Webhook.objects.get().is_active and not WebhookDelivery.objects.exists()
    webhook_set_active(webhook=webhook, actor=key, active=False)
    assert Webhook.objects.get().disabled_reason.startswith("Disabled by Alpha system on ")
    webhook_delete(webhook=webhook, actor=key)
    assert not Webhook.objects.exists()


def test_webhooks_for_lists_those_of_the_administered_organizations(world):
    alpha, beta = world.alpha, world.beta
    own, child, other = (WebhookFactory(organization=org) for org in (alpha.org, alpha.child, beta.org))
    assert set(webhooks_for(alpha.admin)) == {own, child}
    assert set(webhooks_for(OrganizationActor(alpha.org.pk))) == {own, child}
    assert set(webhooks_for(OrganizationActor(alpha.child.pk))) == {child}
    assert set(webhooks_for(beta.admin)) == {other}
    assert set(webhooks_for(world.platform_admin)) == {own, child, other}
    for nobody in (alpha.instructor, alpha.student, world.outsider):
        assert list(webhooks_for(nobody)) == []


def test_an_organization_has_at_most_20_webhooks(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_PER_ORGANIZATION", 2)
    for n in range(2):
        webhook_create(organization=world.alpha.org, url=f"https://{n}.example.org/", events=["badge.issued"],
                       actor=world.alpha.admin)  # fmt: skip
    with pytest.raises(ValidationError, match="has 2 webhooks, the most it may have"):
        webhook_create(organization=world.alpha.org, url="https://3.example.org/", events=["badge.issued"],
                       actor=world.alpha.admin)  # fmt: skip
    assert Webhook.objects.count() == 2


def test_delete_takes_its_deliveries_and_the_events_no_other_webhook_awaits(world):
    from apps.issued_badges.services import issued_badges_revoke

    doomed = WebhookFactory(organization=world.alpha.org)
    kept = WebhookFactory(organization=world.alpha.org, events=["badge.revoked"])
    webhook_send_test(webhook=doomed, actor=world.alpha.admin)  # an event for the doomed one only
    issued_badges_revoke(ids=[world.alpha.issued.pk], actor=world.alpha.admin, reason="Mistake")  # for both
    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count()) == (2, 3)
    webhook_delete(webhook=doomed, actor=world.alpha.admin)
    assert list(Webhook.objects.all()) == [kept]
    [event] = WebhookEvent.objects.all()
    assert event.type == "badge.revoked"
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [kept.pk]

"""The Webhooks pages: the list and its form (the secret shown once, on the webhook's page), a webhook with its
deliveries, Send test event, Disable / Enable, Delete — for administrators of its organization; another
organization's webhook is a 404 and nothing changes."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.webhooks.models import Webhook, WebhookDelivery, WebhookEvent

from .factories import WebhookFactory

LIST = reverse("webhooks:list")


def _detail(webhook):
    return reverse("webhooks:detail", args=[webhook.pk])


def test_an_administrator_adds_a_webhook_and_sees_its_secret_once(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(
        LIST, {"organization": world.alpha.child.pk, "url": "https://lms.partner.org/hooks", "events": ["badge.issued"]}
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(webhook)
    assert (webhook.organization, webhook.url, webhook.events) == (
        world.alpha.child, "https://lms.partner.org/hooks", ["badge.issued"]
    )  # fmt: skip
    page = client.get(_detail(webhook)).content.decode()
    assert webhook.secret in page and "it is shown this once" in page
    assert "Webhook added for Alpha Academy Labs. Copy its signing secret now." in page
    again = client.get(_detail(webhook)).content.decode()
    assert webhook.secret not in again and webhook.secret_hint in again
    assert webhook.secret not in client.get(LIST).content.decode()


def test_an_administrator_of_one_organization_is_not_asked_which(world, client):
    client.force_login(world.beta.admin)
    world.beta.child.parent = None  # Beta's administrator now administers Beta alone
    world.beta.child.save()
    form = client.get(LIST).context["form"]
    assert "organization" not in form.fields
    client.post(LIST, {"url": "https://beta.example.org/in", "events": ["badge.issued", "badge.revoked"]})
    assert Webhook.objects.get().organization == world.beta.org


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "ftp://lms.partner.org/"}, "url", "Enter an http:// or https:// URL"),
        ({"url": "http://127.0.0.1:8000/api/v1/"}, "url", "points at the Badges Portal itself"),
        ({"events": []}, "events", "Choose at least one event."),
        ({"organization": "beta"}, "organization", "That organization is not one you administer"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(world, client, settings, data, field, message):
    settings.PORTAL_URL = "http://127.0.0.1:8000"
    client.force_login(world.alpha.admin)
    post = {"organization": world.alpha.org.pk, "url": "https://lms.partner.org/hooks", "events": ["badge.issued"]}
    post.update(data)
    if post["organization"] == "beta":
        post["organization"] = world.beta.org.pk
    response = client.post(LIST, post)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_list_shows_the_administered_organizations_webhooks_and_why_one_is_disabled(world, client):
    WebhookFactory(organization=world.alpha.org, url="https://one.example.org/hooks")
    reason = "Every delivery attempt failed for 24 hours: …"
    WebhookFactory(organization=world.alpha.child, url="https://two.example.org/hooks", is_active=False,
                   disabled_automatically=True, disabled_reason=reason)  # fmt: skip
    WebhookFactory(organization=world.beta.org, url="https://beta.example.org/hooks")
    client.force_login(world.alpha.admin)
    page = client.get(LIST).content.decode()
    assert "https://one.example.org/hooks" in page and "https://two.example.org/hooks" in page
    assert "https://beta.example.org/hooks" not in page
    assert "Disabled after failures" in page and "Every delivery attempt failed for 24 hours" in page


def test_the_user_menu_links_webhooks_for_administrators_only(world, client):
    client.force_login(world.alpha.admin)
    assert f'href="{LIST}"' in client.get(reverse("home")).content.decode()
    client.force_login(world.alpha.instructor)
    assert f'href="{LIST}"' not in client.get(reverse("home")).content.decode()
    assert client.get(LIST).status_code == 403


def test_another_organizations_webhook_is_a_404_and_nothing_changes(world, client):
    webhook = WebhookFactory(organization=world.alpha.org)
    client.force_login(world.beta.admin)
    assert client.get(_detail(webhook)).status_code == 404
    for action in ("test", "disable", "enable", "delete"):
        response = client.post(reverse(f"webhooks:{action}", args=[webhook.pk]), {"confirm": "delete"})
        assert response.status_code == 404, action
    webhook.refresh_from_db()
    assert webhook.is_active and not WebhookDelivery.objects.exists()


def test_disable_then_enable_from_the_page(world, client):
    webhook = WebhookFactory(organization=world.alpha.org)
    client.force_login(world.alpha.admin)
    response = client.post(reverse("webhooks:disable", args=[webhook.pk]), follow=True)
    assert "Webhook disabled: no event is queued for it until it is enabled again." in response.content.decode()
    assert f"Disabled by {world.alpha.admin.display_name} on " in response.content.decode()
    webhook.refresh_from_db()
    assert not webhook.is_active
    response = client.post(reverse("webhooks:enable", args=[webhook.pk]), follow=True)
    assert "Webhook enabled" in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.is_active and webhook.disabled_reason == ""


def test_an_automatically_disabled_webhook_shows_why_and_can_be_enabled(world, client):
    reason = "Every delivery attempt failed for 24 hours: 10 attempts since Nov 28, 2026, 09:00, the last … (HTTP 500)."
    webhook = WebhookFactory(organization=world.alpha.org, is_active=False, disabled_automatically=True,
                             disabled_reason=reason, failing_since=timezone.now(), consecutive_failures=10)  # fmt: skip
    client.force_login(world.alpha.admin)
    page = client.get(_detail(webhook)).content.decode()
    assert "Disabled after repeated failure." in page and reason in page
    assert reverse("webhooks:enable", args=[webhook.pk]) in page
    client.post(reverse("webhooks:enable", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.failing_since, webhook.consecutive_failures) == (True, None, 0)


def test_send_test_event_queues_it_and_the_page_lists_it(world, client):
    webhook = WebhookFactory(organization=world.alpha.org)
    client.force_login(world.alpha.admin)
    response = client.post(reverse("webhooks:test", args=[webhook.pk]), follow=True)
    assert "Test event queued" in response.content.decode()
    [delivery] = response.context["page"].object_list
    assert (delivery.event.type, delivery.status, delivery.webhook) == ("webhook.test", "pending", webhook)
    assert str(delivery.event.uuid) in response.content.decode()
    assert 'hx-trigger="every 3s"' in response.content.decode()  # refreshes itself while pending


def test_delete_asks_for_confirmation(world, client):
    webhook = WebhookFactory(organization=world.alpha.org, url="https://gone.example.org/hooks")
    client.force_login(world.alpha.admin)
    client.post(reverse("webhooks:test", args=[webhook.pk]))
    response = client.post(reverse("webhooks:delete", args=[webhook.pk]), follow=True)
    assert "Nothing was deleted" in response.content.decode()
    assert Webhook.objects.filter(pk=webhook.pk).exists()
    response = client.post(reverse("webhooks:delete", args=[webhook.pk]), {"confirm": "delete"}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Webhook https://gone.example.org/hooks deleted with its deliveries." in response.content.decode()
    assert not (Webhook.objects.exists() or WebhookDelivery.objects.exists() or WebhookEvent.objects.exists())


def test_the_list_takes_the_same_queries_with_1_and_15_webhooks(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    WebhookFactory(organization=world.alpha.org)
    # session, user, administered organizations (membership, tree), organizations for the form, webhooks,
    # navigation roles
    with django_assert_num_queries(7):
        assert len(client.get(LIST).context["webhooks"]) == 1
    for n in range(14):
        WebhookFactory(organization=world.alpha.child if n % 2 else world.alpha.org)
    with django_assert_num_queries(7):
        assert len(client.get(LIST).context["webhooks"]) == 15


def test_a_webhooks_page_takes_the_same_queries_with_1_and_25_deliveries(world, client, django_assert_num_queries):
    from apps.webhooks.services import webhook_send_test

    webhook = WebhookFactory(organization=world.alpha.org)
    webhook_send_test(webhook=webhook, actor=world.alpha.admin)
    client.force_login(world.alpha.admin)
    # session, user, administered organizations (membership, tree), the webhook, count, deliveries with their
    # events, navigation roles
    with django_assert_num_queries(8):
        assert len(client.get(_detail(webhook)).context["page"].object_list) == 1
    for _ in range(30):
        webhook_send_test(webhook=webhook, actor=world.alpha.admin)
    with django_assert_num_queries(8):
        assert len(client.get(_detail(webhook)).context["page"].object_list) == 25


def test_a_disabled_webhooks_waiting_deliveries_do_not_refresh_the_page(world, client):
    webhook = WebhookFactory(organization=world.alpha.org, is_active=False, disabled_reason="Disabled by someone.")
    now = timezone.now()
    event = WebhookEvent.objects.create(type="badge.issued", occurred_at=now, organization=world.alpha.org,
                                        issued_badge=world.alpha.issued)  # fmt: skip
    WebhookDelivery.objects.create(event=event, webhook=webhook, created_at=now, next_attempt_at=now)
    client.force_login(world.alpha.admin)
    page = client.get(_detail(webhook)).content.decode()
    assert "when enabled" in page and 'hx-trigger="every 3s"' not in page

"""The Webhooks page in Chromium: an administrator adds a webhook for a small receiver on 127.0.0.1, copies the
signing secret shown once, sends a test event and sees it delivered; the receiver verifies its signature with the
Standard Webhooks library (issue 13)."""

import re

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks import Webhook as StandardWebhook

from apps.webhooks.models import Webhook, WebhookDelivery
from apps.webhooks.tests.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_webhook_copy_its_secret_once_and_send_a_test_event(
    demo_world, sign_in, live_server, page: Page, eager_celery
):
    with Receiver(204) as receiver:
        sign_in(page, "nw-admin")
        page.get_by_role("button", name=re.compile("^Account of ")).click()
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
        expect(page.get_by_text("No webhook yet.")).to_be_visible()

        page.get_by_label("Organization").select_option(label="Northwind Academy")
        page.get_by_label("URL").fill(receiver.url)
        for event in ("badge.issued — Badge issued", "badge.revoked — Badge revoked"):
            expect(page.get_by_label(event)).to_be_checked()
        page.get_by_label("badge.reinstated — Badge reinstated").uncheck()
        page.get_by_role("button", name="Add webhook").click()

        expect(page.get_by_role("alert")).to_contain_text("Webhook added for Northwind Academy.")
        expect(page.get_by_role("heading", name=receiver.url)).to_be_visible()
        secret = page.get_by_label("The signing secret").input_value()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
        page.reload()  # shown once
        expect(page.get_by_label("The signing secret")).to_have_count(0)
        expect(page.get_by_text(f"{secret[:10]}…")).to_be_visible()
        expect(page.get_by_text("No delivery yet.")).to_be_visible()

        page.get_by_role("button", name="Send test event").click()
        expect(page.get_by_role("alert")).to_contain_text("Test event queued")
        row = page.get_by_role("row").filter(has_text="webhook.test")
        expect(row).to_contain_text("Delivered")
        expect(row).to_contain_text("204")
        [(headers, body)] = receiver.requests

    payload = StandardWebhook(secret).verify(body, headers)
    webhook = Webhook.objects.get()
    assert (payload["type"], payload["data"]["webhook"]) == ("webhook.test", webhook.pk)
    assert webhook.events == ["badge.issued", "badge.revoked"] and webhook.organization.name == "Northwind Academy"
    delivery = WebhookDelivery.objects.get()
    expect(row).to_contain_text(str(delivery.event.uuid))
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 204, 1)

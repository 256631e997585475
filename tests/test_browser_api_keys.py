"""The API keys page in Chromium: create a key (shown once, copied), call the API with it, revoke it (asked
first), and the key answers 401 from then on."""

import re

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from apps.api.models import ApiKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_use_and_revoke_an_api_key(demo_world, sign_in, live_server, page: Page):
    sign_in(page, "nw-admin")
    page.get_by_role("button", name=re.compile("Nadia Walsh")).click()
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    page.get_by_label("Organization").select_option(label="Northwind Academy")
    page.get_by_label("Name").fill("Lab host")
    page.get_by_role("button", name="Create API key").click()

    created = page.get_by_role("status").filter(has_text="API key “Lab host” created")
    expect(created).to_be_visible()
    key = created.get_by_label("The new API key").input_value()
    assert re.fullmatch(r"bp_[0-9a-f]{8}_\S{40,}", key)
    caller = APIClient()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert caller.get("/api/v1/badges/").status_code == 200

    page.reload()  # shown once: gone on the next view
    expect(page.get_by_label("The new API key")).to_have_count(0)
    row = page.get_by_role("listitem").filter(has_text="Lab host")
    expect(row).to_contain_text(f"bp_{ApiKey.objects.get().prefix}_…")
    expect(row).to_contain_text("last used")

    page.once("dialog", lambda dialog: dialog.dismiss())  # asked first: No
    row.get_by_role("button", name="Revoke Lab host").click()
    expect(row).to_contain_text("Active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke Lab host").click()
    expect(page.get_by_role("alert")).to_contain_text("was revoked: it no longer works.")
    expect(page.get_by_role("listitem").filter(has_text="Lab host")).to_contain_text("Revoked")
    assert caller.get("/api/v1/badges/").status_code == 401

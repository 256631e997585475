"""Where the verification page is linked from: the issued badge's page (for those who may open it)."""

from django.urls import reverse
from django.utils.html import escape

from apps.credentials import identifiers
from apps.credentials.share import email_signature_html, linkedin_add_url
from apps.issued_badges.services import issued_badges_revoke


def test_the_issued_badge_page_links_its_verification_page(client, world, issue):
    issued = issue()
    client.force_login(world.alpha.admin)
    html = client.get(reverse("issued_badges:detail", args=[issued.pk])).content.decode()
    assert f'href="{reverse("credentials:verify", args=[issued.uuid])}"' in html
    assert "Verification page" in html


def test_my_badges_offers_sharing_for_each_active_badge_and_none_for_a_revoked_one(client, world, issue):
    issued = issue()
    client.force_login(issued.recipient)
    html = client.get(reverse("people:my_badges")).content.decode()
    assert linkedin_add_url(issued).replace("&", "&amp;") in html
    assert f'value="{identifiers.verify_page(issued.uuid)}"' in html and "Copy link" in html
    assert escape(str(email_signature_html(issued))) in html  # the snippet, copied as HTML
    assert "credentials/share.js" in html
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    html = client.get(reverse("people:my_badges")).content.decode()
    assert "Add to LinkedIn" not in html and "Copy link" not in html  # a revoked badge is not shared


def test_find_issued_badges_links_each_rows_verification_page(client, world, issue):
    issued = issue()
    client.force_login(world.alpha.admin)
    html = client.get(reverse("issued_badges:find")).content.decode()
    assert f'href="{reverse("credentials:verify", args=[issued.uuid])}"' in html

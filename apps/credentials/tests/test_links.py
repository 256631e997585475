"""Where the verification page is linked from: the issued badge's page (for those who may open it)."""

from django.urls import reverse


def test_the_issued_badge_page_links_its_verification_page(client, world, issue):
    issued = issue()
    client.force_login(world.alpha.admin)
    html = client.get(reverse("issued_badges:detail", args=[issued.pk])).content.decode()
    assert f'href="{reverse("credentials:verify", args=[issued.uuid])}"' in html
    assert "Verification page" in html

"""Badge profile, edit (Basic Information, Enable Manual Issuance) and create."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.badges.models import Badge
from apps.issued_badges.tests.factories import IssuedBadgeFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>'


def _form_data(badge: Badge, **changes) -> dict:
    data = {
        "name": badge.name,
        "description": badge.description,
        "criteria": badge.criteria,
        "is_active": "on" if badge.is_active else "",
        "manual_issuance_enabled": "on" if badge.manual_issuance_enabled else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_profile_shows_the_badge_its_issuance_mode_and_recipients(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("badges:detail", args=[world.alpha.badge.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert world.alpha.badge.name in html and "Manual issuance enabled" in html
    assert "Issued automatically" in html  # an achievement maps to it
    assert [i.recipient for i in response.context["page"].object_list] == [world.alpha.student]
    assert f'href="/badges/{world.alpha.badge.pk}/edit/"' in html


def test_other_organizations_and_non_administrators_get_a_404(world, client):
    for user in (world.beta.admin, world.alpha.instructor, world.alpha.student):
        client.force_login(user)
        assert client.get(reverse("badges:detail", args=[world.alpha.badge.pk])).status_code == 404
        assert client.get(reverse("badges:edit", args=[world.alpha.badge.pk])).status_code == 404
    client.force_login(world.beta.admin)
    response = client.post(reverse("badges:edit", args=[world.alpha.badge.pk]), _form_data(world.alpha.badge))
    assert response.status_code == 404


def test_edit_has_basic_information_with_enable_manual_issuance_at_its_bottom(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(reverse("badges:edit", args=[world.alpha.badge.pk])).content.decode()
    basic = html[html.index('id="basic"') : html.index('id="achievements"')]
    assert ">Basic Information<" in html and ">Save<" in html
    assert basic.rindex("Enable Manual Issuance") > basic.index('name="name"')
    assert basic.rindex("Enable Manual Issuance") > basic.index('name="is_active"')


def test_unchecking_enable_manual_issuance_saves_it(world, client):
    badge = world.alpha.badge
    client.force_login(world.alpha.admin)
    response = client.post(reverse("badges:edit", args=[badge.pk]), _form_data(badge, manual_issuance_enabled=""))
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.manual_issuance_enabled is False
    client.post(reverse("badges:edit", args=[badge.pk]), _form_data(badge, manual_issuance_enabled="on"))
    badge.refresh_from_db()
    assert badge.manual_issuance_enabled is True


def test_a_name_already_used_in_the_organization_is_refused(world, client):
    badge = world.alpha.badge
    Badge.objects.create(organization=world.alpha.org, name="Taken")
    client.force_login(world.alpha.admin)
    response = client.post(reverse("badges:edit", args=[badge.pk]), _form_data(badge, name="taken"))
    assert response.status_code == 200
    assert "already has a badge named" in response.content.decode()
    badge.refresh_from_db()
    assert badge.name == "Alpha Academy Star"


def test_an_administrator_creates_a_badge_with_an_image(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(
        reverse("badges:create"),
        {
            "organization": world.alpha.child.pk,
            "name": "Data Wrangler",
            "description": "Cleans data.",
            "is_active": "on",
            "manual_issuance_enabled": "on",
            "image": SimpleUploadedFile("wrangler.svg", SVG, content_type="image/svg+xml"),
        },
    )
    badge = Badge.objects.get(name="Data Wrangler")
    assert response.status_code == 302 and response["Location"] == reverse("badges:detail", args=[badge.pk])
    assert badge.organization == world.alpha.child and badge.manual_issuance_enabled and badge.image


def test_create_refuses_bad_images_and_other_organizations_and_writes_nothing(world, client):
    client.force_login(world.alpha.admin)
    cases = [
        ({"image": SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")}, "Upload a PNG"),
        ({"image": SimpleUploadedFile("big.png", PNG + b"\x00" * (2 * 1024 * 1024), content_type="image/png")},
         "smaller than 2 MB"),
        ({"organization": world.beta.org.pk}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ]  # fmt: skip
    for changes, message in cases:
        data = {"organization": world.alpha.org.pk, "name": "New", "is_active": "on", **changes}
        response = client.post(reverse("badges:create"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Badge.objects.filter(name="New").exists()


def test_profile_runs_the_same_number_of_queries_with_few_and_many_recipients(world, client, django_assert_num_queries):
    badge = world.alpha.badge
    client.force_login(world.alpha.admin)
    url = reverse("badges:detail", args=[badge.pk])
    # session, user (with organization), administered organizations, organization tree, badge,
    # achievements, active count, recipients count, recipients page, navigation roles
    expected = 10
    with django_assert_num_queries(expected):
        client.get(url)
    for _ in range(60):
        IssuedBadgeFactory(badge=badge)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50


def test_the_recipient_list_offers_revoke_badge_and_reinstate(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("badges:detail", args=[world.alpha.badge.pk])
    html = client.get(url).content.decode()
    assert "Revoke Badge" in html and 'id="revoke-dialog"' in html
    client.post("/issued-badges/revoke/", {"ids": world.alpha.issued.pk, "reason": "Mistake", "next": url})
    html = client.get(url).content.decode()
    assert ">Revoked<" in html and "Reinstate" in html


def test_the_forms_render_through_their_crispy_layouts(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(reverse("badges:edit", args=[world.alpha.badge.pk])).content.decode()
    assert 'role="tab" aria-controls="basic" aria-selected="true">Basic Information</button>' in html
    assert 'role="tab" aria-controls="achievements" aria-selected="false">Achievements</button>' in html
    assert 'role="tabpanel" aria-labelledby="basic-tab"' in html
    assert '<button  class="btn btn-primary" type="submit">Save</button>' in html
    assert f'href="/badges/{world.alpha.badge.pk}/">Cancel</a>' in html
    html = client.get(reverse("badges:create")).content.decode()
    assert ">Basic Information</button>" in html and 'id="achievements"' not in html
    assert 'enctype="multipart/form-data"' in html and 'for="id_organization"' in html

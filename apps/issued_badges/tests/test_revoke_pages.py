"""Revoke Badge and Reinstate from the pages; the issued badge's detail with its history."""

from django.urls import reverse

from apps.issued_badges.models import IssuanceLog, IssuedBadge

REVOKE = "/issued-badges/revoke/"
REINSTATE = "/issued-badges/reinstate/"


def test_revoke_with_a_reason_from_the_detail_page(world, client):
    issued = world.alpha.issued
    client.force_login(world.alpha.admin)
    detail = reverse("issued_badges:detail", args=[issued.pk])
    html = client.get(detail).content.decode()
    assert "Revoke Badge" in html and "History" in html and "No history recorded." in html  # made by a factory
    response = client.post(REVOKE, {"ids": issued.pk, "reason": "Plagiarised lab", "next": detail}, follow=True)
    assert response.redirect_chain[-1][0] == detail
    html = response.content.decode()
    assert "was revoked." in html and "Plagiarised lab" in html and ">Revoked<" in html and "Reinstate" in html
    issued.refresh_from_db()
    assert issued.is_revoked


def test_revoking_needs_a_reason_and_writes_nothing_without_one(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(REVOKE, {"ids": world.alpha.issued.pk, "reason": "   "}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert not IssuedBadge.objects.get(pk=world.alpha.issued.pk).is_revoked
    assert not IssuanceLog.objects.filter(action="revoked").exists()


def test_revoking_twice_another_organizations_or_as_an_instructor_changes_nothing(world, client):
    client.force_login(world.alpha.admin)
    client.post(REVOKE, {"ids": world.alpha.issued.pk, "reason": "First"})
    response = client.post(REVOKE, {"ids": world.alpha.issued.pk, "reason": "Second"}, follow=True)
    assert "was already revoked" in response.content.decode()
    response = client.post(REVOKE, {"ids": world.beta.issued.pk, "reason": "Nope"}, follow=True)
    assert f"Issued badge #{world.beta.issued.pk} was not found." in response.content.decode()
    assert not IssuedBadge.objects.get(pk=world.beta.issued.pk).is_revoked
    client.force_login(world.alpha.instructor)
    response = client.post(REVOKE, {"ids": world.alpha.issued.pk, "reason": "x"}, follow=True)
    assert IssuedBadge.objects.get(pk=world.alpha.issued.pk).revocation_reason == "First"
    assert client.get(reverse("issued_badges:detail", args=[world.beta.child_issued.pk])).status_code == 404


def test_bulk_revoke_reports_every_row(world, client):
    client.force_login(world.alpha.admin)
    ids = [world.alpha.issued.pk, world.alpha.child_issued.pk, world.beta.issued.pk]
    response = client.post(REVOKE, {"ids": ids, "reason": "Course withdrawn"})
    html = response.content.decode()
    assert response.status_code == 200 and "2 of 3 changed" in html
    assert html.count("was revoked.") == 2 and "was not found." in html
    assert set(IssuedBadge.objects.revoked().values_list("pk", flat=True)) == set(ids[:2])


def test_reinstate_is_logged_and_shown_in_the_history(world, client):
    issued = world.alpha.issued
    client.force_login(world.alpha.admin)
    client.post(REVOKE, {"ids": issued.pk, "reason": "Mistake"})
    revoked = client.get(reverse("issued_badges:detail", args=[issued.pk])).content.decode()
    assert 'data-bs-target="#reinstate-dialog"' in revoked and 'id="reinstate-dialog"' in revoked  # it asks first
    refused = client.post(REINSTATE, {"ids": issued.pk, "reason": "   "}, follow=True)  # no reason: nothing changes
    assert "Give a reason to reinstate: it is kept with the badge and shown in its history." in refused.content.decode()
    issued.refresh_from_db()
    assert issued.is_revoked
    client.post(REINSTATE, {"ids": issued.pk, "reason": "Checked again"})
    html = client.get(reverse("issued_badges:detail", args=[issued.pk])).content.decode()
    assert ">Active<" in html and "Revoked" in html and "Reinstated" in html and "“Checked again”" in html
    log = IssuanceLog.objects.filter(issued_badge=issued).order_by("pk").values_list("action", "reason")
    assert list(log) == [("revoked", "Mistake"), ("reinstated", "Checked again")]


def test_next_never_leaves_the_site(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(REVOKE, {"ids": world.alpha.issued.pk, "reason": "x", "next": "https://evil.example/"})
    assert response["Location"] == reverse("issued_badges:find")


def test_an_issued_badges_page_links_its_issuance_only_for_those_who_may_open_it(world, client):
    """An issuance names every student it tried: its page is its creator's and the administrators', and so is
    the link to it from an issued badge's page (its holder sees the badge, not the issuance)."""
    from apps.issued_badges.models import Source
    from apps.issued_badges.services import IssueRequest, badges_issue

    report = badges_issue(
        IssueRequest(
            badge_ids=[world.alpha.badge.pk], recipient_ids=[world.alpha.child_student.pk], actor=world.alpha.admin,
            source=Source.USERNAMES, organization=world.alpha.org,
        )
    )  # fmt: skip
    issued = report.outcomes[0].issued_badge_id
    batch_url = reverse("issued_badges:batch", args=[report.batch.uuid])
    for viewer, linked in ((world.alpha.admin, True), (world.alpha.child_student, False)):
        client.force_login(viewer)
        html = client.get(reverse("issued_badges:detail", args=[issued])).content.decode()
        assert (batch_url in html) is linked
        assert client.get(batch_url).status_code == (200 if linked else 404)

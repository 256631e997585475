"""The outcome ledger: a batch's page, Retry failed, Download CSV."""

import csv
import io
import uuid

from django.urls import reverse

from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceBatch, IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue


def _batch(world, actor, badges, students):
    return badges_issue(
        IssueRequest(
            badge_ids=[b.pk for b in badges],
            recipient_ids=[s.pk for s in students],
            actor=actor,
            source=Source.BATCH,
            classroom=world.alpha.classroom,
        )
    ).batch


def test_the_batch_page_shows_who_when_and_every_outcome(world, client):
    off = BadgeFactory(organization=world.alpha.org, name="Off", manual_issuance_enabled=False)
    batch = _batch(world, world.alpha.instructor, [world.alpha.badge, off], [world.alpha.student])
    client.force_login(world.alpha.admin)
    response = client.get(reverse("issued_badges:batch", args=[batch.uuid]))
    html = response.content.decode()
    assert world.alpha.instructor.display_name in html and world.alpha.classroom.title in html
    assert "has already earned Alpha Academy Star" in html and "Off is not enabled for manual issuance" in html
    assert ">Retry failed<" in html and "Download CSV" in html


def test_another_organization_or_an_unknown_batch_is_a_404(world, client):
    batch = _batch(world, world.alpha.admin, [world.alpha.badge], [world.beta.student])
    for user in (world.beta.admin, world.beta.student, world.outsider):
        client.force_login(user)
        assert client.get(reverse("issued_badges:batch", args=[batch.uuid])).status_code == 404
        assert client.get(reverse("issued_badges:batch_csv", args=[batch.uuid])).status_code == 404
    client.force_login(world.alpha.admin)
    assert client.get(reverse("issued_badges:batch", args=[uuid.uuid4()])).status_code == 404
    assert client.get(f"/issued-badges/batches/{batch.pk}/").status_code == 404


def test_retry_failed_submits_only_the_failed_pairs_again(world, client):
    off = BadgeFactory(organization=world.alpha.org, name="Off", manual_issuance_enabled=False)
    fresh = BadgeFactory(organization=world.alpha.org, name="Fresh")
    batch = _batch(world, world.alpha.admin, [off, fresh], [world.alpha.student, world.beta.student])
    assert (batch.issued_count, batch.failed_count) == (2, 2)
    off.manual_issuance_enabled = True
    off.save()

    client.force_login(world.alpha.admin)
    url = reverse("issued_badges:batch_retry", args=[batch.uuid])
    response = client.post(url, {"key": "retry-1"}, follow=True)
    retry = IssuanceBatch.objects.get(retry_of=batch)
    assert response.redirect_chain[-1][0] == reverse("issued_badges:batch", args=[retry.uuid])
    assert (retry.issued_count, retry.failed_count) == (2, 0)  # the two failed pairs, not the whole cross product
    assert set(IssuedBadge.objects.filter(badge=off).values_list("recipient", flat=True)) == {
        world.alpha.student.pk,
        world.beta.student.pk,
    }
    client.post(url, {"key": "retry-1"})  # pressed twice: nothing more
    assert IssuanceBatch.objects.filter(retry_of=batch).count() == 1
    assert "Retried: 2 issued, 0 failed." in response.content.decode()


def test_the_csv_has_a_row_per_pair_with_its_outcome(world, client):
    batch = _batch(world, world.alpha.admin, [world.alpha.badge], [world.alpha.student, world.beta.student])
    client.force_login(world.alpha.admin)
    response = client.get(reverse("issued_badges:batch_csv", args=[batch.uuid]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["student", "username", "badge", "outcome", "description", "issued_badge_id"]
    outcomes = {row[1]: row[3] for row in rows[1:]}
    assert outcomes == {world.alpha.student.username: "already_earned", world.beta.student.username: "issued"}


def test_retry_is_offered_only_for_failures_that_may_succeed_later(world, client):
    batch = _batch(world, world.alpha.admin, [world.alpha.badge, world.beta.badge], [world.alpha.student])
    assert batch.failed_count == 2  # already earned, and another organization's badge
    client.force_login(world.alpha.admin)
    html = client.get(reverse("issued_badges:batch", args=[batch.uuid])).content.decode()
    assert ">Retry failed<" not in html
    response = client.post(reverse("issued_badges:batch_retry", args=[batch.uuid]), {"key": "r"}, follow=True)
    assert "cannot succeed by trying again" in response.content.decode()
    assert not IssuanceBatch.objects.filter(retry_of=batch).exists()

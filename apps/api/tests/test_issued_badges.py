"""Issued badges through the API: the Find Issued Badges filters, one by uuid, revoke and reinstate — another
organization's is a 404, bad filters a 400 naming them."""

from django.urls import reverse

from apps.issued_badges.models import IssuanceLog

LIST = reverse("api:issued_badges")


def test_the_list_is_what_the_organization_sees_and_filters_like_find(world, alpha_api):
    answer = alpha_api.get(LIST)
    assert answer.status_code == 200
    uuids = {row["uuid"] for row in answer.json()["results"]}
    assert uuids == {str(world.alpha.issued.uuid), str(world.alpha.child_issued.uuid)}
    only = alpha_api.get(LIST, {"badge": world.alpha.badge.pk}).json()["results"]
    assert [row["uuid"] for row in only] == [str(world.alpha.issued.uuid)]
    row = only[0]
    assert row["recipient"] == {"username": world.alpha.student.username, "name": world.alpha.student.display_name}
    assert (row["status"], row["organization"]["id"]) == ("active", world.alpha.org.pk)


def test_bad_filters_are_400_naming_them(world, alpha_api):
    answer = alpha_api.get(LIST, {"badge": "abc", "sort": "xyz"})
    assert answer.status_code == 400
    assert set(answer.json()) == {"badge", "sort"}
    assert alpha_api.get(LIST, {"badge": world.beta.badge.pk}).status_code == 400  # not one of its choices


def test_one_by_uuid_and_another_organizations_is_404(world, alpha_api):
    assert alpha_api.get(reverse("api:issued_badge", args=[world.alpha.issued.uuid])).json()["uuid"] == str(
        world.alpha.issued.uuid
    )
    assert alpha_api.get(reverse("api:issued_badge", args=[world.beta.issued.uuid])).status_code == 404


def test_revoke_needs_a_reason_and_reinstate_gives_it_back(world, alpha_api):
    issued = world.alpha.issued
    revoke, reinstate = reverse("api:revoke", args=[issued.uuid]), reverse("api:reinstate", args=[issued.uuid])
    assert alpha_api.post(revoke, {}, format="json").json() == {"reason": ["This field is required."]}
    answer = alpha_api.post(revoke, {"reason": "Plagiarised"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["revocation_reason"]) == ("revoked", "Plagiarised")
    again = alpha_api.post(revoke, {"reason": "Twice"}, format="json")
    assert again.status_code == 409 and "already revoked" in again.json()["detail"]
    answer = alpha_api.post(reinstate, {}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "active"
    log = IssuanceLog.objects.filter(issued_badge=issued).order_by("pk").values_list("action", "reason")
    assert list(log)[-2:] == [("revoked", "Plagiarised"), ("reinstated", "Reinstated through the API.")]
    beta = reverse("api:revoke", args=[world.beta.issued.uuid])
    assert alpha_api.post(beta, {"reason": "x"}, format="json").status_code == 404
    world.beta.issued.refresh_from_db()
    assert not world.beta.issued.is_revoked


def test_changed_since_pulls_what_was_issued_revoked_or_reinstated_since_oldest_first(world, alpha_api):
    from datetime import timedelta

    from django.utils import timezone

    from apps.issued_badges.models import IssuedBadge
    from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke

    old, other = world.alpha.issued, world.alpha.child_issued
    from apps.issued_badges.models import issued_badge_writes

    with issued_badge_writes():  # both issued a week ago
        IssuedBadge.objects.filter(pk__in=[old.pk, other.pk]).update(updated_at=timezone.now() - timedelta(days=7))
    since = timezone.now() - timedelta(days=1)
    assert alpha_api.get(LIST, {"changed_since": since.isoformat()}).json()["results"] == []
    issued_badges_revoke(ids=[other.pk], actor=world.alpha.admin, reason="Withdrawn")
    issued_badges_revoke(ids=[old.pk], actor=world.alpha.admin, reason="Withdrawn")
    issued_badges_reinstate(ids=[old.pk], actor=world.alpha.admin, reason="Back")
    rows = alpha_api.get(LIST, {"changed_since": since.isoformat()}).json()["results"]
    assert [(row["uuid"], row["status"]) for row in rows] == [(str(other.uuid), "revoked"), (str(old.uuid), "active")]
    bad = alpha_api.get(LIST, {"changed_since": "yesterday"})
    assert bad.status_code == 400 and bad.json() == {"changed_since": ["“yesterday” is not an ISO 8601 date-time."]}

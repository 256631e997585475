"""Award Badge: up to 50 usernames, through the door; unknown usernames named and nothing awarded."""

import re

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Source


@pytest.fixture
def badge(world):
    return BadgeFactory(organization=world.alpha.org, name="Peer Mentor")


def _award(client, badge, usernames: str, key: str = "k1"):
    return client.post(reverse("badges:award", args=[badge.pk]), {"usernames": usernames, "key": key})


def _nothing_written() -> bool:
    return not IssuanceBatch.objects.filter(source=Source.USERNAMES).exists()


def test_usernames_separated_by_commas_and_new_lines_are_awarded_and_the_outcome_shown(world, client, badge):
    client.force_login(world.alpha.admin)
    page = client.get(reverse("badges:award", args=[badge.pk])).content.decode()
    assert '<h1 class="h3 mb-0">Award Badge</h1>' in page
    assert re.search(r'<label\s+for="id_usernames"[^>]*>\s*To<', page)  # the field users know as "To"

    # A spreadsheet column, a comma list, a repeat and another letter case.
    pasted = f"{world.alpha.student.username}\r\n{world.alpha.child_student.username}, {world.beta.student.username}\n"
    response = _award(client, badge, pasted + world.alpha.student.username.upper())

    batch = IssuanceBatch.objects.get(source=Source.USERNAMES)
    assert response.status_code == 302 and response["Location"] == f"/issued-badges/batches/{batch.uuid}/"
    awarded = IssuedBadge.objects.filter(badge=badge)
    assert set(awarded.values_list("recipient__username", flat=True)) == {
        world.alpha.student.username,
        world.alpha.child_student.username,
        world.beta.student.username,  # enrolled in an Alpha class
    }
    assert {(row.source, row.issued_by, row.batch) for row in awarded} == {(Source.USERNAMES, world.alpha.admin, batch)}
    assert (batch.issued_count, batch.failed_count, batch.organization) == (3, 0, world.alpha.org)
    outcome = client.get(response["Location"]).content.decode()
    assert f"“{badge.name}”: 3 awarded." in outcome and world.alpha.child_student.display_name in outcome
    assert f'<a href="/badges/{badge.pk}/">{badge.name}</a>' in outcome  # back to the badge


def test_someone_who_holds_the_badge_already_is_listed_as_not_awarded(world, client):
    client.force_login(world.alpha.admin)
    alpha = world.alpha
    response = _award(client, alpha.badge, f"{alpha.student.username}, {alpha.child_student.username}")
    batch = IssuanceBatch.objects.get(source=Source.USERNAMES)
    assert (batch.issued_count, batch.failed_count) == (1, 1)
    assert IssuanceLog.objects.get(batch=batch, recipient=world.alpha.student).reason_code == "already_earned"
    outcome = client.get(response["Location"]).content.decode()
    assert "1 awarded, 1 not awarded" in outcome and "has already earned" in outcome


def test_unknown_usernames_are_named_and_nothing_is_awarded(world, client, badge):
    client.force_login(world.alpha.admin)
    # beta's child student exists but is none of Alpha's business: reported exactly like a typo.
    stranger = world.beta.child_student.username
    response = _award(client, badge, f"{world.alpha.student.username}, nobody-here, {stranger}")
    assert response.status_code == 200
    expected = f"These 2 usernames were not found: “nobody-here”, “{stranger}”. Nothing was awarded."
    assert expected in response.content.decode()
    assert _nothing_written() and not IssuedBadge.objects.filter(badge=badge).exists()
    assert world.alpha.student.username in response.content.decode()  # the list is kept to correct


@pytest.mark.parametrize(
    ("usernames", "message"),
    [
        ("", "Enter at least one username."),
        (" ,\n, ", "Enter at least one username."),
        (", ".join(f"user{n}" for n in range(51)), "Enter at most 50 usernames at a time (you entered 51)."),
    ],
)
def test_an_empty_list_or_51_usernames_is_refused(world, client, badge, usernames, message):
    client.force_login(world.alpha.admin)
    response = _award(client, badge, usernames)
    assert response.status_code == 200 and message in response.content.decode()
    assert _nothing_written()


def test_fifty_usernames_are_accepted(world, client, badge):
    students = [make_student(world.alpha.org, username=f"cohort-{n:02}") for n in range(50)]
    client.force_login(world.alpha.admin)
    _award(client, badge, "\n".join(s.username for s in students))
    assert IssuedBadge.objects.filter(badge=badge).count() == 50


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"manual_issuance_enabled": False}, "is not enabled for manual issuance: switch on Enable Manual Issuance"),
        ({"is_active": False}, "is inactive: activate it to award it."),
    ],
)
def test_a_badge_not_manually_issuable_says_why_and_awards_nothing(world, client, change, message):
    badge = BadgeFactory(organization=world.alpha.org, **change)
    client.force_login(world.alpha.admin)
    page = client.get(reverse("badges:award", args=[badge.pk])).content.decode()
    assert message in page and "<fieldset disabled>" in page
    response = _award(client, badge, world.alpha.student.username)
    assert response.status_code == 200 and message in response.content.decode()
    assert _nothing_written()


def test_only_administrators_of_the_badges_organization_reach_it(world, client, badge):
    for user in (world.beta.admin, world.alpha.instructor, world.contractor, world.alpha.student):
        client.force_login(user)
        assert client.get(reverse("badges:award", args=[badge.pk])).status_code == 404
        assert _award(client, badge, world.alpha.student.username).status_code == 404
    assert _nothing_written()


def test_the_same_form_sent_twice_awards_once(world, client, badge):
    client.force_login(world.alpha.admin)
    first = _award(client, badge, world.alpha.student.username, key="same")
    second = _award(client, badge, world.alpha.student.username, key="same")
    assert first["Location"] == second["Location"]
    assert IssuanceBatch.objects.filter(source=Source.USERNAMES).count() == 1


def test_the_profile_links_to_award_badge(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(reverse("badges:detail", args=[world.alpha.badge.pk])).content.decode()
    assert f'href="/badges/{world.alpha.badge.pk}/award/"' in html and "Award Badge" in html


def test_tabs_and_semicolons_separate_too_and_a_username_is_found_in_any_letter_case(world, client, badge):
    accented = make_student(world.alpha.org, username="Élise.Roux")
    client.force_login(world.alpha.admin)
    child = world.alpha.child_student.username.upper()
    _award(client, badge, f"{world.alpha.student.username}\t{accented.username};{child}")
    assert set(IssuedBadge.objects.filter(badge=badge).values_list("recipient", flat=True)) == {
        world.alpha.student.pk, accented.pk, world.alpha.child_student.pk
    }  # fmt: skip


def test_people_are_those_of_the_badges_organization_whatever_else_the_administrator_sees(world, client):
    """Beta's administrator also teaches Alpha's class: Alpha's students are still not theirs to award Beta's badge."""
    from apps.classes.tests.factories import ClassInstructorFactory

    ClassInstructorFactory(classroom=world.alpha.classroom, instructor=world.beta.admin)
    client.force_login(world.beta.admin)
    response = _award(client, world.beta.badge, world.alpha.student.username)
    assert "This username was not found" in response.content.decode()
    assert _nothing_written()
    _award(client, world.beta.badge, world.beta.child_student.username)  # their own child organization's student
    assert IssuedBadge.objects.filter(badge=world.beta.badge, recipient=world.beta.child_student).exists()


def test_an_edited_list_sent_from_the_same_page_is_a_new_award(world, client, badge):
    client.force_login(world.alpha.admin)
    _award(client, badge, world.alpha.student.username, key="page-1")
    _award(client, badge, world.alpha.child_student.username, key="page-1")  # Back, edit the list, send again
    assert IssuedBadge.objects.filter(badge=badge).count() == 2


def test_very_long_input_is_a_message_not_an_error(world, client, badge):
    client.force_login(world.alpha.admin)
    response = _award(client, badge, "x" * 20_000)
    assert response.status_code == 200 and "at most 10000 characters" in response.content.decode()
    response = _award(client, badge, "y" * 9_000)  # one absurd name: named, shortened
    assert f"This username was not found: “{'y' * 40}…”." in response.content.decode()
    assert _nothing_written()


def test_a_badge_name_is_shown_as_typed_never_run_as_a_template(world, client):
    badge = BadgeFactory(organization=world.alpha.org, name="{{ 7|add:1 }} {% now 'Y' %}", is_active=False)
    client.force_login(world.alpha.admin)
    html = client.get(reverse("badges:award", args=[badge.pk])).content.decode()
    assert "“{{ 7|add:1 }} {% now &#x27;Y&#x27; %}” is inactive" in html
    assert "“8 " not in html

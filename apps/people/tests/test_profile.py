"""A person's User profile (issue 13 item 6): what each persona sees of it, Assign a badge through the door —
success, each failure, tampered ids, a form sent twice — Revoke Badge with a reason, and constant queries."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.access.policy import administered_organization_ids, reachable_people, reaching_organization_ids
from apps.accounts.models import Membership, User
from apps.accounts.tests.factories import MembershipFactory
from apps.assignments.tests.factories import CourseAssignmentFactory
from apps.badges.tests.factories import BadgeFactory
from apps.classes.tests.factories import ClassInstructorFactory, ClassroomFactory, EnrollmentFactory
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Source
from apps.issued_badges.services import issued_badges_revoke
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _url(person) -> str:
    return reverse("people:profile", args=[person.pk])


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _section(response, heading_id: str) -> str:
    """The text of the page's section labelled by ``heading_id``."""
    html = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', response.content.decode(), re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.group(0))).split())


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _key(response) -> str:
    return re.search(r'name="key" value="([^"]+)"', response.content.decode()).group(1)


def _options(response) -> dict[str, bool]:
    """The drop-down's badges: label → may be chosen."""
    select = re.search(r'<select name="badge".*?</select>', response.content.decode(), flags=re.S).group(0)
    return {
        unescape(label): "disabled" not in attrs
        for attrs, label in re.findall(r'<option value="\d+"([^>]*)>([^<]*)</option>', select)
    }


def _state():
    return IssuedBadge.objects.count(), IssuanceBatch.objects.count(), IssuanceLog.objects.count()


# --- Who sees it ------------------------------------------------------------------------------------------------


def test_an_administrator_sees_details_roles_classes_assignments_and_badges_with_their_status(world, client):
    alpha, student = world.alpha, world.alpha.student
    MembershipFactory(user=student, organization=alpha.child, role=Membership.Role.STUDENT)
    EnrollmentFactory(classroom=alpha.child_classroom, student=student)
    revoked = IssuedBadgeFactory(badge=alpha.child_badge, recipient=student, source=Source.USERNAMES)
    issued_badges_revoke(ids=[revoked.pk], actor=alpha.admin, reason="Awarded to the wrong person")
    client.force_login(alpha.admin)
    response = client.get(_url(student))
    page, html = _text(response), response.content.decode()
    assert response.status_code == 200
    # Details
    assert f"{student.display_name} {student.username} · Alpha Academy" in page
    assert f"E-mail {student.email}" in page and "Home organization Alpha Academy" in page and "Status Active" in page
    # Organizations and roles
    roles = _section(response, "roles-heading")
    assert "Alpha Academy Student" in roles and "Alpha Academy Labs Student" in roles
    # Badges: active and revoked, with date, source in the viewer's words and the reason; the actions
    badges = _section(response, "badges-heading")
    assert "Alpha Academy Star Active" in badges and "Alpha Academy Labs Star Revoked" in badges
    assert f"Issued {timezone.localtime():%b} " in badges and "· Roster" in badges and "· Username list" in badges
    assert "Reason: “Awarded to the wrong person”" in badges
    assert 'data-bs-target="#revoke-dialog"' in html and 'data-bs-target="#reinstate-dialog"' in html
    # Classes (with a link to each Roster) and course assignments
    classes = _section(response, "classes-heading")
    assert "Alpha Academy class" in classes and "Alpha Academy Labs class" in classes and "Enrolled" in classes
    assert f'href="{reverse("classes:roster", args=[alpha.classroom.pk])}"' in html
    assert alpha.assignment.course.title in _section(response, "assignments-heading")
    assert f'href="{reverse("assignments:detail", args=[alpha.assignment.pk])}"' in html
    # The way to their Achievements/Badges page and to Find Issued Badges
    assert f'href="{reverse("people:user_badges", args=[student.pk])}"' in html
    assert f'href="/issued-badges/?student={student.username}"' in html


def test_an_instructor_profile_lists_the_classes_they_teach(world, client):
    client.force_login(world.alpha.admin)
    page = _text(client.get(_url(world.alpha.instructor)))
    assert "Alpha Academy class Alpha Academy" in page and "Teaches" in page
    assert "Alpha Academy Instructor" in page


def test_only_what_the_viewer_may_see_of_a_person_of_two_organizations(world, client):
    """Beta's student attends Alpha's class: Alpha's administrator sees them, their Alpha class and Alpha's badges
    for them — not their Beta role, Beta's badge they hold, nor Beta's badges in the drop-down."""
    shared = world.beta.student
    client.force_login(world.alpha.admin)
    response = client.get(_url(shared))
    page = _text(response)
    assert response.status_code == 200 and shared.display_name in page
    assert "Beta Learning Star" not in page and "Beta Learning Student" not in page
    assert "No role in your organizations." in page
    assert "Alpha Academy class" in page
    assert _options(response) == {"Alpha Academy Star": True}


def test_whoever_else_may_see_the_person_is_sent_to_their_achievements_page_and_nobody_else_learns_of_them(
    world, client
):
    student = world.alpha.student
    for viewer in (world.alpha.instructor, world.contractor):
        client.force_login(viewer)
        response = client.get(_url(student))
        assert response.status_code == 302 and response["Location"] == reverse("people:user_badges", args=[student.pk])
    client.force_login(student)
    assert client.get(_url(student))["Location"] == reverse("people:my_badges")
    for viewer, person in [
        (world.beta.admin, student),  # another organization's administrator
        (world.alpha.admin, world.beta.child_student),  # another organization's person
        (world.alpha.admin, world.outsider),
        (world.alpha.instructor, world.alpha.child_student),  # not in their class
        (student, world.beta.student),
    ]:
        client.force_login(viewer)
        assert client.get(_url(person)).status_code == 404, (viewer, person)
    assert client.get(reverse("people:profile", args=[987654])).status_code == 404
    client.logout()
    assert client.get(_url(student))["Location"].startswith(reverse("login"))


def test_the_platform_admin_sees_anyone(world, client):
    client.force_login(world.platform_admin)
    assert client.get(_url(world.beta.child_student)).status_code == 200


def test_an_inactive_person_is_shown_as_such_and_gets_no_badge(world, client):
    student = world.alpha.student
    User.objects.filter(pk=student.pk).update(is_active=False)
    client.force_login(world.alpha.admin)
    response = client.get(_url(student))
    page = _text(response)
    assert "Inactive" in page and f"{student.display_name} is inactive: no badge can be assigned to them." in page
    assert 'name="badge"' not in response.content.decode()
    before = _state()
    refused = client.post(_url(student), {"badge": BadgeFactory(organization=world.alpha.org).pk, "key": "k"})
    assert _messages(refused) == ["That badge cannot be assigned here: choose one of the badges listed."]
    assert _state() == before


# --- The drop-down -----------------------------------------------------------------------------------------------


def test_the_drop_down_offers_the_manually_issuable_active_badges_the_person_may_receive(world, client):
    alpha = world.alpha
    BadgeFactory(organization=alpha.org, name="Alpha Manual")
    BadgeFactory(organization=alpha.org, name="Alpha Automatic", manual_issuance_enabled=False)
    BadgeFactory(organization=alpha.org, name="Alpha Retired", is_active=False)
    taken = BadgeFactory(organization=alpha.org, name="Alpha Taken")
    revoked = IssuedBadgeFactory(badge=taken, recipient=alpha.student)
    issued_badges_revoke(ids=[revoked.pk], actor=alpha.admin, reason="Mistake")
    client.force_login(alpha.admin)
    # Alpha's student: Alpha's badges only (Alpha Labs' tree does not hold them); those they have, disabled.
    assert _options(client.get(_url(alpha.student))) == {
        "Alpha Academy Star (held)": False,
        "Alpha Manual": True,
        "Alpha Taken (revoked)": False,
    }
    # Alpha Labs' student: Alpha's badges and Alpha Labs' (both trees hold them), named with their organization.
    assert _options(client.get(_url(alpha.child_student))) == {
        "Alpha Academy Star · Alpha Academy": True,
        "Alpha Manual · Alpha Academy": True,
        "Alpha Taken · Alpha Academy": True,
        "Alpha Academy Labs Star · Alpha Academy Labs (held)": False,
    }


def test_reaching_organizations_are_those_whose_reachable_people_hold_the_person(world):
    """The drop-down's rule is ``reachable_people`` (the door's), asked per person rather than per organization."""
    alpha, beta = world.alpha, world.beta
    people = [alpha.student, alpha.child_student, alpha.instructor, alpha.admin, beta.student, beta.child_student,
              world.contractor, world.outsider]  # fmt: skip
    for actor in (alpha.admin, beta.admin, world.platform_admin, alpha.instructor):
        for person in people:
            expected = {
                organization_id
                for organization_id in administered_organization_ids(actor)
                if reachable_people(actor, organization_id).filter(pk=person.pk).exists()
            }
            assert reaching_organization_ids(actor, person) == expected, (actor, person)


def test_a_person_with_nothing_to_assign_is_told_why(world, client):
    client.force_login(world.alpha.admin)
    page = _text(client.get(_url(world.alpha.student)))
    assert "already has every badge you may assign them." in page and "Reinstate." not in page
    issued_badges_revoke(ids=[world.alpha.issued.pk], actor=world.alpha.admin, reason="Mistake")
    page = _text(client.get(_url(world.alpha.student)))
    assert "already has every badge you may assign them. A revoked one comes back only through Reinstate." in page
    world.alpha.badge.manual_issuance_enabled = False
    world.alpha.badge.save()
    page = _text(client.get(_url(world.alpha.student)))
    assert "None of your organizations' active badges has Enable Manual Issuance switched on." in page


# --- Assign a badge ---------------------------------------------------------------------------------------------


def test_assign_a_badge_issues_it_through_the_door_and_shows_it_at_once(world, client):
    alpha = world.alpha
    badge = BadgeFactory(organization=alpha.org, name="Cloud Helper")
    client.force_login(alpha.admin)
    form = client.get(_url(alpha.student))
    response = client.post(_url(alpha.student), {"badge": badge.pk, "key": _key(form)}, follow=True)
    assert response.redirect_chain == [(_url(alpha.student), 302)]
    assert _messages(response) == [f"Cloud Helper was issued to {alpha.student.display_name}."]
    badges = _section(response, "badges-heading")
    assert "Cloud Helper Active" in badges and "· User profile" in badges
    assert "already has every badge you may assign them." in _text(response)  # Cloud Helper is no longer offered
    issued = IssuedBadge.objects.get(badge=badge)
    assert (issued.recipient, issued.issued_by, issued.source) == (alpha.student, alpha.admin, Source.PROFILE)
    assert IssuanceLog.objects.get(issued_badge=issued).actor == alpha.admin
    # The student reads it in their words.
    client.force_login(alpha.student)
    assert "Awarded by Alpha Academy" in _text(client.get(reverse("people:my_badges")))


def test_the_same_form_sent_twice_issues_once(world, client):
    alpha = world.alpha
    badge = BadgeFactory(organization=alpha.org, name="Cloud Helper")
    client.force_login(alpha.admin)
    data = {"badge": badge.pk, "key": _key(client.get(_url(alpha.student)))}
    client.post(_url(alpha.student), data, follow=True)
    before = _state()
    again = client.post(_url(alpha.student), data, follow=True)
    assert _state() == before
    assert _messages(again) == [f"This form was already sent: Cloud Helper was issued to {alpha.student.display_name}."]
    assert IssuedBadge.objects.filter(badge=badge).count() == 1


@pytest.mark.parametrize("case", ["already_earned", "revoked", "staff"])
def test_the_doors_refusals_are_shown_and_nothing_is_issued(world, client, case):
    alpha = world.alpha
    person = alpha.instructor if case == "staff" else alpha.student
    badge = alpha.badge  # held by Alpha's student
    if case == "revoked":
        issued_badges_revoke(ids=[alpha.issued.pk], actor=alpha.admin, reason="Mistake")
    client.force_login(alpha.admin)
    key = _key(client.get(_url(world.alpha.child_student)))  # any fresh form's key
    before = IssuedBadge.objects.count()
    response = client.post(_url(person), {"badge": badge.pk, "key": key}, follow=True)
    name = person.display_name
    expected = {
        "already_earned": f"{name} has already earned Alpha Academy Star. A badge is earned only once.",
        "revoked": f"Alpha Academy Star was revoked from {name}. Only an administrator can reinstate it.",
        "staff": f"{name} is an administrator or instructor of this organization: badges are issued to students only.",
    }[case]
    assert _messages(response) == [expected]
    assert expected in _text(response)  # on the page, as an alert
    assert IssuedBadge.objects.count() == before
    assert IssuedBadge.objects.filter(recipient=person, badge=badge).count() == (0 if case == "staff" else 1)


def test_tampered_or_foreign_badge_ids_are_refused_with_a_message_and_nothing_written(world, client):
    alpha, beta = world.alpha, world.beta
    not_manual = BadgeFactory(organization=alpha.org, manual_issuance_enabled=False)
    inactive = BadgeFactory(organization=alpha.org, is_active=False)
    refused = "That badge cannot be assigned here: choose one of the badges listed."
    cases = [
        ({"badge": beta.badge.pk, "key": "k1"}, refused),  # another organization's badge
        ({"badge": alpha.child_badge.pk, "key": "k2"}, refused),  # a child's badge: the student is not of its tree
        ({"badge": not_manual.pk, "key": "k3"}, refused),
        ({"badge": inactive.pk, "key": "k4"}, refused),
        ({"badge": "987654", "key": "k5"}, refused),
        ({"badge": "abc", "key": "k6"}, refused),
        ({"badge": "1 OR 1=1", "key": "k7"}, refused),
        ({"key": "k8"}, "Choose a badge to assign."),
        ({"badge": BadgeFactory(organization=alpha.org).pk}, "This form has expired: reload the page and try again."),
        ({"badge": alpha.badge.pk, "key": "x" * 500}, "Ensure this value has at most 40 characters (it has 500)."),
    ]
    client.force_login(alpha.admin)
    before = _state()
    for data, message in cases:
        response = client.post(_url(alpha.student), data, follow=True)
        assert response.status_code == 200 and _messages(response) == [message], data
    assert _state() == before


def test_nobody_but_an_administrator_of_the_person_may_assign(world, client):
    badge = BadgeFactory(organization=world.alpha.org)
    before = _state()
    for viewer in (world.alpha.instructor, world.contractor, world.alpha.student, world.beta.admin):
        client.force_login(viewer)
        response = client.post(_url(world.alpha.student), {"badge": badge.pk, "key": f"k{viewer.pk}"})
        assert response.status_code == 404, viewer
    client.logout()
    assert client.post(_url(world.alpha.student), {"badge": badge.pk, "key": "k"}).status_code == 302
    assert _state() == before


# --- Revoke Badge ----------------------------------------------------------------------------------------------


def test_revoke_badge_from_the_profile_needs_a_reason_and_comes_back_to_it(world, client):
    alpha = world.alpha
    client.force_login(alpha.admin)
    revoke = reverse("issued_badges:revoke")
    blank = client.post(revoke, {"ids": alpha.issued.pk, "reason": " ", "next": _url(alpha.student)}, follow=True)
    assert blank.redirect_chain[-1][0] == _url(alpha.student)
    alpha.issued.refresh_from_db()
    assert not alpha.issued.is_revoked
    data = {"ids": alpha.issued.pk, "reason": "Lab done by someone else", "next": _url(alpha.student)}
    done = client.post(revoke, data, follow=True)
    assert done.redirect_chain[-1][0] == _url(alpha.student)
    assert "Alpha Academy Star Revoked" in _text(done) and "Reason: “Lab done by someone else”" in _text(done)
    alpha.issued.refresh_from_db()
    assert alpha.issued.is_revoked and alpha.issued.revocation_reason == "Lab done by someone else"
    assert alpha.issued.revoked_by == alpha.admin


# --- Queries -----------------------------------------------------------------------------------------------------


def test_the_profile_runs_the_same_number_of_queries_with_few_and_many_records(
    world, client, django_assert_num_queries
):
    alpha, student = world.alpha, world.alpha.student
    IssuedBadgeFactory(badge=alpha.child_badge, recipient=student, classroom=alpha.classroom)  # one of each kind
    client.force_login(alpha.admin)
    # session, user; administered organizations, organization tree; the person; the badges: students taught,
    # visible badges' ids, the person's badges, their classes' instructors (source words); reaching: the person's
    # organizations, organization tree; memberships; classes; course assignments; the drop-down's badges;
    # navigation roles (instructor check); failed sign-ins (is sign-in paused?)
    client.get(_url(student))
    with django_assert_num_queries(17) as few:
        client.get(_url(student))
    now = timezone.now()
    MembershipFactory(user=student, organization=alpha.child, role=Membership.Role.STUDENT)
    for number in range(12):
        badge = BadgeFactory(organization=alpha.org, name=f"Many {number}")
        IssuedBadgeFactory(badge=badge, recipient=student, source=Source.ROSTER, classroom=alpha.classroom)
        classroom = ClassroomFactory(organization=alpha.org, course=alpha.course, title=f"Class {number}")
        EnrollmentFactory(classroom=classroom, student=student)
        taught = ClassroomFactory(organization=alpha.org, course=alpha.course)
        ClassInstructorFactory(classroom=taught, instructor=student)
        started = now - timedelta(days=400 + number)
        CourseAssignmentFactory(organization=alpha.org, course=alpha.course, student=student, starts_at=started,
                                expires_at=now - timedelta(days=1 + number))  # fmt: skip
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(_url(student))
    profile = response.context["profile"]
    assert (len(profile.issued), len(profile.classes), len(profile.assignments)) == (14, 25, 13)


def test_the_people_list_finds_by_e_mail_and_links_administrators_to_profiles(world, client):
    people = reverse("people:list")
    client.force_login(world.alpha.admin)
    found = client.get(people, {"q": world.alpha.student.email})
    assert [p.username for p in found.context["page"].object_list] == ["alpha-student"]
    assert f'href="{_url(world.alpha.student)}"' in found.content.decode()
    assert list(client.get(people, {"q": world.beta.admin.email}).context["page"].object_list) == []
    client.force_login(world.alpha.instructor)
    listed = client.get(people, {"q": "alpha-student"}).content.decode()
    assert f'href="{reverse("people:user_badges", args=[world.alpha.student.pk])}"' in listed
    assert f'href="{_url(world.alpha.student)}"' not in listed

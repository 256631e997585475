"""Every named URL × every persona, with an object of the persona's organization and one of the other's.

A new URL fails ``test_every_named_url_has_a_row`` until it gets a row here: what each persona may open is
decided once, in the table, and checked against the running portal. Only GET is sent: a POST-only URL answers
405 to anyone signed in (its access rules are tested with its own tests).

Personas: P platform admin, A Alpha's administrator, B Beta's administrator (another organization's),
I Alpha's organization instructor, C contract instructor of Alpha's class (home Beta), S Alpha's student,
N anonymous. "Own" objects are Alpha's, "other" objects Beta's.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.api.services import api_key_create
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.webhooks.tests.factories import WebhookFactory

PERSONAS = "PABICSN"

ALL = "200 200 200 200 200 200 302"
PUBLIC = "200 200 200 200 200 200 200"  # forgot password: signed in or not
API = "401 401 401 401 401 401 401"
STAFF = "200 200 200 200 200 403 302"  # administrators and instructors
ADMINS = "200 200 200 403 403 403 302"
POST_ONLY = "405 405 405 405 405 405 302"
# Pages of one object: (Alpha's object, Beta's object)
CLASS_PAGE = ("200 200 404 200 200 404 302", "200 404 200 404 404 404 302")
ADMIN_PAGE = ("200 200 404 404 404 404 302", "200 404 200 404 404 404 302")
# An issued badge: Alpha's badge held by Alpha's student; Beta's badge held by Beta's student (who attends
# Alpha's class: still Beta's record, which Alpha's instructors and the contract instructor do not see).
ISSUED_PAGE = ("200 200 404 200 200 200 302", "200 404 200 404 404 404 302")
# A person's page: Alpha's student; Beta's child organization's student.
PERSON_PAGE = ("200 200 404 200 200 200 302", "200 404 200 404 404 404 302")
# A person's User profile (the same people): administrators who see them; whoever else may see the person is sent
# to their Achievements/Badges page (302), everyone else gets a 404.
PROFILE_PAGE = ("200 200 404 302 302 302 302", "200 404 200 404 404 404 302")
# An issuance batch: Alpha's instructor's roster batch (not the contract instructor's: a batch may name students
# outside another instructor's scope); Beta's administrator's username-list batch.
BATCH_PAGE = ("200 200 404 200 404 404 302", "200 404 200 404 404 404 302")


@dataclass(frozen=True)
class Row:
    expected: str | tuple[str, str]
    args: tuple = ()  # names of attributes of the side (alpha or beta), or callables of (world, side)


def _side(name):
    return lambda world, side: getattr(side, name).pk


def _batch(world, side):
    return side.batch.uuid


def _classroom_student(world, side):
    return side.student.pk


def _issued_uuid(world, side):
    return side.issued.uuid


def _org_slug(world, side):
    return side.org.slug


def _status_list_number(world, side):
    """The number of the organization's first status list, made by giving its issued badge a credential."""
    from apps.credentials.services import credential_ensure

    return credential_ensure(side.issued).status_list.number


CLASS = _side("classroom")
TABLE = {
    "home": Row(ALL),
    "login": Row("302 302 302 302 302 302 200"),
    "logout": Row("405 405 405 405 405 405 405"),
    "password_reset": Row(PUBLIC),
    "password_reset_done": Row(PUBLIC),
    "password_reset_confirm": Row(PUBLIC, (lambda world, side: "MQ", lambda world, side: "no-such-token")),
    "password_reset_complete": Row(PUBLIC),
    "password_change": Row(ALL),
    "password_change_done": Row(ALL),
    "people:list": Row(STAFF),
    "people:my_badges": Row(ALL),
    "people:user_badges": Row(PERSON_PAGE, (lambda world, side: side.person.pk,)),
    "people:profile": Row(PROFILE_PAGE, (lambda world, side: side.person.pk,)),
    "people:unlock": Row(POST_ONLY, (lambda world, side: side.person.pk,)),
    # Uploaded images, to anyone (they are shown on public pages); a file that is not there: 404.
    "media": Row("404 404 404 404 404 404 404", (lambda world, side: "badges/none.png",)),
    # Probes for load balancers (apps/core/health.py): anyone, signed in or not; ready (200) with every server up.
    "healthz": Row(PUBLIC),
    "readyz": Row(PUBLIC),
    "issued_badges:find": Row(STAFF),
    "issued_badges:export": Row(STAFF),
    "issued_badges:detail": Row(ISSUED_PAGE, (_side("issued"),)),
    "issued_badges:revoke": Row(POST_ONLY),
    "notifications:resend": Row(POST_ONLY, (_side("issued"),)),
    "issued_badges:reinstate": Row(POST_ONLY),
    "issued_badges:batch": Row(BATCH_PAGE, (_batch,)),
    "issued_badges:batch_retry": Row(POST_ONLY, (_batch,)),
    "issued_badges:batch_csv": Row(BATCH_PAGE, (_batch,)),
    "classes:list": Row(ALL),
    "classes:roster": Row(CLASS_PAGE, (CLASS,)),
    "classes:roster_row": Row(CLASS_PAGE, (CLASS, _classroom_student)),
    "classes:choose_badge": Row(CLASS_PAGE, (CLASS,)),
    "classes:roster_issue": Row(POST_ONLY, (CLASS,)),
    "classes:issue_badges": Row(CLASS_PAGE, (CLASS,)),
    "classes:choose_badges": Row(CLASS_PAGE, (CLASS,)),
    "classes:choose_students": Row(CLASS_PAGE, (CLASS,)),
    "badges:list": Row(ADMINS),
    "badges:create": Row(ADMINS),
    "badges:detail": Row(ADMIN_PAGE, (_side("badge"),)),
    "badges:edit": Row(ADMIN_PAGE, (_side("badge"),)),
    "badges:award": Row(ADMIN_PAGE, (_side("badge"),)),
    "assignments:list": Row(ADMINS),
    "assignments:create": Row(ADMINS),
    "assignments:detail": Row(ADMIN_PAGE, (_side("assignment"),)),
    "assignments:choose_badge": Row(ADMIN_PAGE, (_side("assignment"),)),
    "assignments:issue": Row(POST_ONLY, (_side("assignment"),)),
    "achievements:list": Row(ADMINS),
    "achievements:create": Row(ADMINS),
    "achievements:evaluations": Row(ADMINS),  # the Evaluations card alone (polled while a run runs)
    "achievements:evaluate": Row(POST_ONLY),
    "achievements:detail": Row(ADMIN_PAGE, (_side("achievement"),)),
    "achievements:edit": Row(ADMIN_PAGE, (_side("achievement"),)),
    "achievements:activate": Row(POST_ONLY, (_side("achievement"),)),
    "achievements:deactivate": Row(POST_ONLY, (_side("achievement"),)),
    "activity:list": Row(ADMINS),
    "activity:create": Row(ADMINS),
    "activity:import": Row(ADMINS),
    "webhooks:list": Row(ADMINS),
    "webhooks:detail": Row(ADMIN_PAGE, (_side("webhook"),)),
    "webhooks:test": Row(POST_ONLY, (_side("webhook"),)),
    "webhooks:disable": Row(POST_ONLY, (_side("webhook"),)),
    "webhooks:enable": Row(POST_ONLY, (_side("webhook"),)),
    "webhooks:delete": Row(POST_ONLY, (_side("webhook"),)),
    "api:keys": Row(ADMINS),
    "api:key_revoke": Row(POST_ONLY, (_side("api_key"),)),
    "api:schema": Row(PUBLIC),  # the API's documentation is public
    "api:docs": Row(PUBLIC),
    # The API answers API keys only: a signed-in session is not one (401 in JSON).
    "api:badges": Row(API),
    "api:awards": Row(API, (_side("badge"),)),
    "api:issued_badges": Row(API),
    "api:issued_badge": Row(API, (lambda world, side: side.issued.uuid,)),
    "api:revoke": Row(API, (lambda world, side: side.issued.uuid,)),
    "api:reinstate": Row(API, (lambda world, side: side.issued.uuid,)),
    "api:activities": Row(API),
    "api:webhooks": Row(API),
    "api:webhook": Row(API, (lambda world, side: 1,)),  # answered before any webhook is looked up
    # Credentials that travel (DESIGN §10): public, signed in or not, of every organization.
    "credentials:verify": Row(PUBLIC, (_issued_uuid,)),
    "credentials:signature": Row(PUBLIC, (_issued_uuid,)),
    "credentials:baked_png": Row(PUBLIC, (_issued_uuid,)),
    "credentials:baked_svg": Row(PUBLIC, (_issued_uuid,)),
    "credentials:ob2_assertion": Row(PUBLIC, (_issued_uuid,)),
    "credentials:ob3_credential": Row(PUBLIC, (_issued_uuid,)),
    "credentials:ob2_badge": Row(PUBLIC, (_side("badge"),)),
    "credentials:badge_image": Row(PUBLIC, (_side("badge"),)),
    "credentials:ob2_issuer": Row(PUBLIC, (_org_slug,)),
    "credentials:did": Row(PUBLIC, (_org_slug,)),
    "credentials:status_list": Row(PUBLIC, (_org_slug, _status_list_number)),
    "credentials:self_test": Row(POST_ONLY, (_side("badge"),)),  # the badge's credentials check (POST)
    # Prometheus metrics: by network or token, not by persona — the test client asks from 127.0.0.1, which the
    # default METRICS_ALLOWED_NETWORKS allows; refusals from elsewhere: apps/observability/tests/test_metrics.py.
    "metrics": Row(PUBLIC),
}


def _named_urls(patterns=None, namespace="") -> set[str]:
    """Every named URL of the portal (the Django admin's own pages excluded: they are Django's)."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_url_has_a_row():
    assert _named_urls() - TABLE.keys() == set(), "give each new URL a row in TABLE"
    assert TABLE.keys() - _named_urls() == set(), "remove the rows of URLs that are gone"


@pytest.fixture
def matrix_world(world):
    alpha, beta = world.alpha, world.beta
    alpha.person, beta.person = alpha.student, beta.child_student
    alpha.batch = badges_issue(
        IssueRequest(
            badge_ids=[alpha.badge.pk], recipient_ids=[alpha.student.pk], actor=alpha.instructor,
            source=Source.ROSTER, classroom=alpha.classroom,
        )
    ).batch  # fmt: skip
    alpha.api_key = api_key_create(organization=alpha.org, name="Alpha system")[0]
    beta.api_key = api_key_create(organization=beta.org, name="Beta system")[0]
    alpha.webhook = WebhookFactory(organization=alpha.org, url="https://alpha.example.org/hooks")
    beta.webhook = WebhookFactory(organization=beta.org, url="https://beta.example.org/hooks")
    beta.batch = badges_issue(
        IssueRequest(
            badge_ids=[beta.badge.pk], recipient_ids=[beta.student.pk], actor=beta.admin,
            source=Source.USERNAMES, organization=beta.org,
        )
    ).batch  # fmt: skip
    world.personas = {
        "P": world.platform_admin,
        "A": alpha.admin,
        "B": beta.admin,
        "I": alpha.instructor,
        "C": world.contractor,
        "S": alpha.student,
        "N": None,
    }
    return world


def _each_case(world, client, name: str, row: Row):
    """(persona, url, expected status) for every persona and object of ``row``, signed in as that persona."""
    sides = (
        [(row.expected, "alpha")]
        if isinstance(row.expected, str)
        else zip(row.expected, ("alpha", "beta"), strict=True)
    )
    for expected, side in sides:
        url = reverse(name, args=[arg(world, getattr(world, side)) for arg in row.args])
        for persona, status in zip(PERSONAS, expected.split(), strict=True):
            client.logout()
            if world.personas[persona] is not None:
                client.force_login(world.personas[persona])
            yield persona, url, int(status)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_persona_gets_what_the_table_says(matrix_world, client, name):
    failures = [
        f"{persona} {url}: {got}, expected {status}"
        for persona, url, status in _each_case(matrix_world, client, name, TABLE[name])
        if (got := client.get(url).status_code) != status
    ]
    assert not failures, "\n".join(failures)


def _content(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


@pytest.mark.parametrize(("persona", "mine", "theirs"), [("A", "alpha", "beta"), ("I", "alpha", "beta"),
                                                         ("C", "alpha", "beta"), ("B", "beta", "alpha")])  # fmt: skip
def test_no_page_shows_another_organizations_people_or_records(matrix_world, client, persona, mine, theirs):
    """Every page a persona may open, with their side's objects and with the student of the other
    organization who attends Alpha's class: none names a person of the other organization who is not part of
    the persona's own classes, nor the other organization's badges and achievements."""
    from django.utils import timezone

    from apps.achievements.models import EarnedAchievement, EvaluationRun

    world = matrix_world
    side, other = getattr(world, mine), getattr(world, theirs)
    # Records of the other organization about the student both share, and an evaluation its admin started.
    EarnedAchievement.objects.create(
        user=world.beta.student, achievement=world.beta.achievement, earned_at=timezone.now()
    )
    EarnedAchievement.objects.create(
        user=world.alpha.student, achievement=world.alpha.achievement, earned_at=timezone.now()
    )
    EvaluationRun.objects.create(mode="full", trigger="manual", requested_by=other.admin, started_at=timezone.now())
    strangers = [other.admin, other.instructor, other.child_student] + ([other.student] if mine == "beta" else [])
    forbidden = [p.username for p in strangers] + [p.display_name for p in strangers]
    forbidden += [other.badge.name, other.child_badge.name, other.achievement.name]
    client.force_login(world.personas[persona])
    shared = world.beta.student.pk  # Beta's student in Alpha's class: their page and profile as Alpha sees them
    urls = [reverse(name, args=[shared]) for name in ("people:user_badges", "people:profile") if mine == "alpha"]
    for name, row in TABLE.items():
        if row.expected == POST_ONLY or name in ("login", "logout", "people:my_badges"):  # their own records
            continue
        urls.append(reverse(name, args=[arg(world, side) for arg in row.args]))
    pages = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response["Content-Type"].startswith("image/"):  # badge images: no text
            continue
        pages += 1
        html = _content(response)
        assert not [word for word in forbidden if word in html], url
    assert pages >= 10


# POST: each URL that writes, with an object of the persona's organization and of the other's, and no body (a
# submission without its fields). Who may not use it gets a 404 (another organization's object) or a 403 (a
# page of another role), and nothing is written; who may is answered on the page they came from (302).
ADMIN_PAGE_POST = ("302 302 404 404 404 404 302", "302 404 302 404 404 404 302")
POST_TABLE = {
    "classes:roster_issue": Row(("302 302 404 302 302 404 302", "302 404 302 404 404 404 302"), (CLASS,)),
    "assignments:issue": Row(ADMIN_PAGE_POST, (_side("assignment"),)),
    "achievements:deactivate": Row(ADMIN_PAGE_POST, (_side("achievement"),)),
    "achievements:activate": Row(ADMIN_PAGE_POST, (_side("achievement"),)),  # already active: back to its page
    "achievements:evaluate": Row("302 302 302 403 403 403 302"),
    "api:key_revoke": Row(("302 302 404 403 403 403 302", "302 404 302 403 403 403 302"), (_side("api_key"),)),
    # Assign a badge on a person's User profile (no badge chosen: back to the profile with why, nothing written)
    "people:profile": Row(ADMIN_PAGE_POST, (lambda world, side: side.person.pk,)),
    "people:unlock": Row(ADMIN_PAGE_POST, (lambda world, side: side.person.pk,)),  # Unlock sign-in
    "issued_badges:batch_retry": Row(("302 302 404 302 404 404 302", "302 404 302 404 404 404 302"), (_batch,)),
    "webhooks:test": Row(ADMIN_PAGE_POST, (_side("webhook"),)),
    "notifications:resend": Row(ADMIN_PAGE_POST, (_side("issued"),)),  # the badge's e-mail, queued again
    "webhooks:disable": Row(ADMIN_PAGE_POST, (_side("webhook"),)),
    "webhooks:enable": Row(ADMIN_PAGE_POST, (_side("webhook"),)),  # already enabled: back to its page
    "webhooks:delete": Row(ADMIN_PAGE_POST, (_side("webhook"),)),  # not confirmed: nothing deleted
    # The badge's credentials check: its results page (200) for the administrators of the badge's organization.
    "credentials:self_test": Row(("200 200 404 404 404 404 302", "200 404 200 404 404 404 302"), (_side("badge"),)),
    "password_change": Row(ALL),  # no body: the form again, with its errors
    "password_reset": Row(PUBLIC),
}


def _state():
    from apps.achievements.models import Achievement
    from apps.issued_badges.models import IssuanceBatch, IssuedBadge
    from apps.notifications.models import BadgeEmail
    from apps.webhooks.models import Webhook, WebhookDelivery

    return (
        BadgeEmail.objects.count(),
        IssuedBadge.objects.count(),
        IssuanceBatch.objects.count(),
        tuple(Achievement.objects.order_by("pk").values_list("is_active", flat=True)),
        tuple(Webhook.objects.order_by("pk").values_list("pk", "is_active")),
        WebhookDelivery.objects.count(),
    )


def test_every_post_only_url_has_a_post_row():
    post_only = {name for name, row in TABLE.items() if row.expected == POST_ONLY}
    assert post_only - POST_TABLE.keys() == {"issued_badges:revoke", "issued_badges:reinstate"}  # ids in the body


@pytest.mark.parametrize("name", sorted(POST_TABLE))
def test_each_persona_may_post_only_what_the_table_says_and_writes_nothing_else(
    matrix_world, client, eager_celery, name
):
    failures = []
    for persona, url, status in _each_case(matrix_world, client, name, POST_TABLE[name]):
        before = _state()
        if (got := client.post(url).status_code) != status:
            failures.append(f"{persona} POST {url}: {got}, expected {status}")
        if (status != 302 or persona == "N") and _state() != before:
            failures.append(f"{persona} POST {url} wrote something")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("action", ["revoke", "reinstate"])
def test_only_the_badges_organization_revokes_or_reinstates_it(matrix_world, client, action):
    """Revoke and reinstate take ids in the body: another organization's id changes nothing."""
    from apps.issued_badges.models import IssuedBadge
    from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke

    world, target = matrix_world, matrix_world.beta.issued

    def reset():  # the state the action starts from: active to revoke, revoked to reinstate
        if action == "revoke":
            issued_badges_reinstate(ids=[target.pk], actor=world.platform_admin, reason="Test")
        else:
            issued_badges_revoke(ids=[target.pk], actor=world.platform_admin, reason="Test")

    for persona, allowed in zip(PERSONAS, [True, False, True, False, False, False, False], strict=True):
        reset()
        client.logout()
        if world.personas[persona] is not None:
            client.force_login(world.personas[persona])
        before = IssuedBadge.objects.get(pk=target.pk).revoked_at
        client.post(reverse(f"issued_badges:{action}"), {"ids": [target.pk], "reason": "Because"})
        assert (IssuedBadge.objects.get(pk=target.pk).revoked_at != before) == allowed, persona

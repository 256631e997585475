"""Attack probes, in CI (issue 15 item 7): what an attacker with an account — or without one — sends to the portal.

Families: the POST matrix (each write URL × each persona that may not use it, from ``test_url_matrix``'s tables),
valid forms sent by the wrong persona, another organization's ids, absurd ids, mass-assigned fields, missing CSRF
tokens, 10 MB bodies, 51 usernames, open redirects in ``next``, the hostile upload corpus through Edit badge and
New badge, the spreadsheet-formula payloads through Find Issued Badges' export, forged API bodies, and the same
form sent twice at once (PostgreSQL).

Every attempt is checked the same way: never a 500; a refusal is a 4xx (or the page again with its error, or
back to the page with an error message, as the page does); no row written wrongly (IssuedBadge, IssuanceBatch,
Badge, memberships, users' rights, ApiKey, Webhook, BadgeEmail… compared before and after — a refused issuance
may leave only its audit: a batch with nothing issued); every 4xx logged on ``portal.refusals`` with the actor.
Each family's figures are printed in a table at the end of the run and their totals asserted.
"""

import csv
import functools
import io
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Membership, User
from apps.achievements.models import Achievement
from apps.api.models import ApiKey
from apps.api.services import api_key_create
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.badges.tests.factories import BadgeFactory
from apps.badges.tests.test_validators import HOSTILE, _png
from apps.classes.models import Enrollment
from apps.core.tests.test_csv_injection import BADGE as CSV_BADGE
from apps.core.tests.test_csv_injection import REASON as CSV_REASON
from apps.issued_badges.models import IssuanceBatch, IssuedBadge
from apps.issued_badges.services import issued_badges_revoke
from apps.notifications.models import BadgeEmail
from apps.webhooks.models import Webhook
from tests.test_url_matrix import POST_TABLE, _each_case, matrix_world  # noqa: F401 - matrix_world: a fixture

LOGGER = "portal.refusals"
PASSWORD = "pass-word-123"  # the factories' password
ABSURD = ["0", "-1", str(2**63), "abc", str(10**30), "", "1.5", "0x10"]
EVIL_NEXT = ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "\\\\evil.example",
             "/\t/evil.example", "http:evil.example", "https:///evil.example"]  # fmt: skip
CSV_PAYLOADS = [CSV_BADGE, CSV_REASON, "+1+1", "-2+3", "@SUM(A1)", "=1+1\t", "\r=1"]
TEN_MB = 10 * 1024 * 1024
HTMX = {"HTTP_HX_REQUEST": "true"}
# How a page shows a refusal: a form's error, an alert, the Issue Badges page's failed list.
SHOWN_ERROR = re.compile(r"alert-danger|invalid-feedback|is-invalid|errorlist|The following badge issuances failed")


# --- Figures ---------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    attempts: int = 0
    refusals: int = 0  # answered 4xx, or sent to sign in
    shown: int = 0  # refused on the page: the form again with its error, or back with an error message
    errors: int = 0  # 500s
    wrong_rows: int = 0
    duplicates: int = 0
    unlogged: int = 0  # a 4xx refusal missing from portal.refusals
    problems: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # the answers, by status code


FIGURES: dict[str, Figures] = {}
COLUMNS = ["attempts", "refusals", "shown", "errors", "wrong_rows", "duplicates", "unlogged"]
HEADINGS = ["attempts", "refused 4xx", "refused on page", "500s", "rows written wrongly", "duplicates", "not logged"]


def figures_table() -> str:
    width = max([len(name) for name in FIGURES] + [len("total")])
    total = Figures(**{column: sum(getattr(f, column) for f in FIGURES.values()) for column in COLUMNS})
    lines = [" | ".join(["probe".ljust(width), *HEADINGS])]
    for name, figures in [*FIGURES.items(), ("total", total)]:
        cells = [
            str(getattr(figures, column)).rjust(len(heading)) for column, heading in zip(COLUMNS, HEADINGS, strict=True)
        ]
        lines.append(" | ".join([name.ljust(width), *cells]))
    lines.append("\nAnswers by status:")
    for name, figures in FIGURES.items():
        lines.append(f"{name.ljust(width)}   {', '.join(f'{n}×{s}' for s, n in sorted(figures.statuses.items()))}")
    return "\n".join(lines)


@pytest.fixture(scope="session", autouse=True)
def probe_figures(request):
    """Collects every family's figures; prints them at the end of the run (CI's log shows them) and asserts
    the totals."""
    yield FIGURES
    if not FIGURES:
        return
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n\nAttack probes ({connection.vendor}):\n{figures_table()}\n")
    for column in ("errors", "wrong_rows", "duplicates", "unlogged"):
        assert sum(getattr(f, column) for f in FIGURES.values()) == 0, column


@pytest.fixture
def refusal_log():
    """The records ``portal.refusals`` writes during the test — kept here, not printed: a thousand refusals
    would bury the figures in CI's log (as would Django's own line per 4xx, quietened too; its 500s are not)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger, django_request = logging.getLogger(LOGGER), logging.getLogger("django.request")
    propagate, level = logger.propagate, django_request.level
    logger.addHandler(handler)
    logger.propagate = False
    django_request.setLevel(logging.ERROR)
    yield records
    logger.removeHandler(handler)
    logger.propagate = propagate
    django_request.setLevel(level)


# --- What must not change --------------------------------------------------------------------------------------


SNAPSHOT = {  # what a refused attempt must leave as it was (IssuanceBatch apart: see ``_wrong_rows``)
    "issued badges": (IssuedBadge, ["badge", "recipient", "issued_by", "source", "revoked_at", "revoked_by",
                                    "revocation_reason"]),
    "badges": (Badge, ["organization", "name", "description", "image", "is_active", "manual_issuance_enabled"]),
    "memberships": (Membership, ["user", "organization", "role"]),
    "users": (User, ["username", "is_superuser", "is_staff", "is_active", "organization", "password"]),
    "api keys": (ApiKey, ["organization", "name", "revoked_at"]),
    "webhooks": (Webhook, ["organization", "url", "is_active"]),
    "badge e-mails": (BadgeEmail, ["status"]),
    "assignments": (CourseAssignment, ["organization", "student", "course"]),
    "enrollments": (Enrollment, ["classroom", "student"]),
    "achievements": (Achievement, ["organization", "badge", "is_active"]),
    "batches": (IssuanceBatch, ["issued_count"]),
}  # fmt: skip


@functools.cache
def _snapshot_sql() -> list[tuple[str, str, tuple]]:
    """SNAPSHOT's queries, compiled once: ``state`` runs twice per attempt."""
    return [
        (name, *model.objects.order_by().values_list("pk", *fields).query.sql_with_params())
        for name, (model, fields) in SNAPSHOT.items()
    ]


def state() -> dict[str, tuple]:
    """Every row of SNAPSHOT's tables."""
    with connection.cursor() as cursor:
        rows = {}
        for name, sql, params in _snapshot_sql():
            cursor.execute(sql, params)
            rows[name] = tuple(sorted(cursor.fetchall(), key=repr))
    return rows


def _wrong_rows(before: dict, after: dict, may_change: set[str]) -> list[str]:
    wrong = []
    for name in before:
        if name in may_change or before[name] == after[name]:
            continue
        if name == "batches":  # a refused issuance keeps its audit: a batch in which nothing was issued
            added = set(after[name]) - set(before[name])
            if set(before[name]) <= set(after[name]) and all(issued == 0 for _, issued in added):
                continue
        wrong.append(name)
    return wrong


# --- The prober ------------------------------------------------------------------------------------------------


def actor_of(client) -> str:
    """The actor portal.refusals should name for this client."""
    if isinstance(client, APIClient) and getattr(client, "api_key", None) is not None:
        return f"API key “{client.api_key.name}” ({client.api_key.prefix})"
    user_id = client.session.get("_auth_user_id") if hasattr(client, "session") else None
    return User.objects.get(pk=user_id).username if user_id else "anonymous"


REFUSED_ITEMS = {"already_earned", "revoked", "unknown_recipient", "not_allowed", "already_recorded", "invalid"}


def _shown_error(client, response) -> bool:
    """Whether the answer shows a refusal: an error message to take back to the page (302), the page it sends
    to showing it (the Issue Badges page's results), the form again with its errors (200), or — the API's
    per-item answers — every item refused."""
    if response.get("Content-Type", "").startswith("application/json") and response.status_code == 200:
        items = response.json().get("results") or []
        return bool(items) and all(item.get("status") in REFUSED_ITEMS for item in items)
    if response.status_code == 302:
        if any(m.level >= 30 for m in get_messages(response.wsgi_request)):  # warning, error
            return True
        response = client.get(response["Location"])
    if response.status_code == 200 and not getattr(response, "streaming", False):
        return bool(SHOWN_ERROR.search(response.content.decode(errors="replace")))
    return False


def _to_sign_in(response) -> bool:
    return response.status_code == 302 and response.get("Location", "").startswith(reverse("login") + "?")


class Prober:
    """Sends attempts of one family and counts what happened."""

    def __init__(self, family: str, log: list[logging.LogRecord]):
        self.family = family
        self.figures = FIGURES.setdefault(family, Figures())
        self.log = log

    def send(self, client, method: str, url: str, data=None, *, expect="refused", may_change=(), check=None,
             what: str = "", **extra):  # fmt: skip
        """One attempt. ``expect``: "refused" (a 4xx, the page's error, or sign in first) or "any" (the forged
        part must simply have no effect: ``check()`` returns what it changed wrongly). Returns the response."""
        figures, label = self.figures, f"{method.upper()} {url[:120]} {what}".strip()
        client.raise_request_exception = False  # a view's exception comes back as the 500 a visitor would get
        actor = actor_of(client)
        before, seen = state(), len(self.log)
        response = getattr(client, method)(url, data, **extra)
        figures.attempts += 1
        status = response.status_code
        figures.statuses[status] += 1
        if status >= 500:
            figures.errors += 1
            figures.problems.append(f"{label}: {status}")
        elif 400 <= status < 500 or (_to_sign_in(response) and method != "get"):
            figures.refusals += 1
            logged = [r.refusal for r in self.log[seen:] if r.refusal["status"] == status]
            if not any(refusal["actor"] == actor for refusal in logged):
                figures.unlogged += 1
                figures.problems.append(f"{label}: {status} not logged with actor {actor} ({logged})")
            if url.startswith("/api/") and not response.get("Content-Type", "").startswith("application/json"):
                figures.problems.append(f"{label}: {status} answered in {response.get('Content-Type')}, not JSON")
        elif _shown_error(client, response):
            figures.shown += 1
        elif expect == "refused":
            figures.problems.append(f"{label}: {status}, not refused")
        wrong = _wrong_rows(before, state(), set(may_change))
        wrong += check() if check else []
        if wrong:
            figures.wrong_rows += len(wrong)
            figures.problems.append(f"{label}: wrote {', '.join(wrong)}")
        return response

    def assert_clean(self):
        assert self.figures.problems == [], "\n".join(self.figures.problems)


@pytest.fixture
def probes(refusal_log):
    return lambda family: Prober(family, refusal_log)


def signed_in(user, **options) -> Client:
    client = Client(**options)
    if user is not None:
        client.force_login(user)
    return client


def api_client(organization, name: str) -> APIClient:
    api_key, key = api_key_create(organization=organization, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.api_key = api_key
    return client


# --- The world -------------------------------------------------------------------------------------------------


@pytest.fixture
def probe_world(matrix_world):  # noqa: F811 - the fixture imported above
    """The URL matrix's world, plus a badge nobody holds yet and a revoked badge on each side."""
    world = matrix_world
    for side in (world.alpha, world.beta):
        side.extra = BadgeFactory(organization=side.org, name=f"{side.org.name} Extra")
        issued_badges_revoke(ids=[side.child_issued.pk], actor=world.platform_admin, reason="Probe set-up")
    return world


def issuing_urls(classroom) -> tuple[str, str]:
    """The roster's Select a Badge and the Issue Badges page of ``classroom``."""
    return tuple(reverse(name, args=[classroom.pk]) for name in ("classes:roster_issue", "classes:issue_badges"))


def valid_posts(world) -> dict[str, tuple[str, dict]]:
    """A valid submission of every form that writes, by Alpha's administrator, on Alpha's objects."""
    alpha = world.alpha
    badge_form = {"name": "Probe badge", "description": "", "criteria": "", "is_active": "on",
                  "manual_issuance_enabled": "on"}  # fmt: skip
    return {
        "roster issue": (reverse("classes:roster_issue", args=[alpha.classroom.pk]),
                         {"badge": alpha.extra.pk, "student": alpha.student.pk}),
        "issue badges": (reverse("classes:issue_badges", args=[alpha.classroom.pk]),
                         {"key": "probe-1", "badges": [alpha.extra.pk], "students": [alpha.student.pk]}),
        "assignment issue": (reverse("assignments:issue", args=[alpha.assignment.pk]),
                             {"badge": alpha.extra.pk, "student": alpha.student.pk}),
        "badge create": (reverse("badges:create"), {**badge_form, "organization": alpha.org.pk}),
        "badge edit": (reverse("badges:edit", args=[alpha.badge.pk]), {**badge_form, "name": alpha.badge.name}),
        "award badge": (reverse("badges:award", args=[alpha.extra.pk]),
                        {"key": "probe-2", "usernames": alpha.student.username, "notify": "on"}),
        "assign on profile": (reverse("people:profile", args=[alpha.student.pk]),
                              {"key": "probe-3", "badge": alpha.extra.pk, "notify": "on"}),
        "unlock sign-in": (reverse("people:unlock", args=[alpha.student.pk]), {}),
        "revoke": (reverse("issued_badges:revoke"), {"ids": [alpha.issued.pk], "reason": "Probe"}),
        "reinstate": (reverse("issued_badges:reinstate"), {"ids": [alpha.child_issued.pk], "reason": "Probe"}),
        "batch retry": (reverse("issued_badges:batch_retry", args=[alpha.batch.uuid]), {"key": "probe-4"}),
        "webhook create": (reverse("webhooks:list"), {"organization": alpha.org.pk,
                                                       "url": "https://hooks.example.org/probe",
                                                       "events": ["badge.issued"]}),
        "webhook test": (reverse("webhooks:test", args=[alpha.webhook.pk]), {}),
        "webhook disable": (reverse("webhooks:disable", args=[alpha.webhook.pk]), {}),
        "webhook delete": (reverse("webhooks:delete", args=[alpha.webhook.pk]), {"confirm": "delete"}),
        "api key create": (reverse("api:keys"), {"organization": alpha.org.pk, "name": "Probe key"}),
        "api key revoke": (reverse("api:key_revoke", args=[alpha.api_key.pk]), {}),
        "resend e-mail": (reverse("notifications:resend", args=[alpha.issued.pk]), {}),
        "achievement deactivate": (reverse("achievements:deactivate", args=[alpha.achievement.pk]), {}),
        "assignment create": (reverse("assignments:create"),
                              {"course": alpha.course.pk, "student": alpha.child_student.username, "days": "30"}),
        "password change": (reverse("password_change"),
                            {"old_password": PASSWORD, "new_password1": "Probe-pass-987",
                             "new_password2": "Probe-pass-987"}),
    }  # fmt: skip


ISSUERS = {"roster issue": "PAIC", "issue badges": "PAIC", "batch retry": "PAI", "password change": "PABICS"}


# --- The probes ------------------------------------------------------------------------------------------------


def test_post_matrix_every_write_url_refuses_each_persona_that_may_not_use_it(probe_world, probes, eager_celery):
    """test_url_matrix's POST table (no body) for the personas it refuses: here, that nothing is written and the
    refusal is logged with the actor (the statuses themselves are test_url_matrix's)."""
    prober, client = probes("POST matrix (URL × persona)"), Client()
    for name, row in POST_TABLE.items():
        for persona, url, status in _each_case(probe_world, client, name, row):
            if status in (403, 404) or (persona == "N" and status == 302):
                prober.send(client, "post", url, what=persona)
    prober.assert_clean()


def test_valid_forms_sent_by_each_persona_that_may_not_use_them(probe_world, probes, eager_celery):
    prober = probes("valid forms, wrong persona")
    for name, (url, data) in valid_posts(probe_world).items():
        for persona, user in probe_world.personas.items():
            if persona not in ISSUERS.get(name, "PA"):
                prober.send(signed_in(user), "post", url, data, what=f"{name} as {persona}")
    prober.assert_clean()


def test_another_organizations_ids_in_urls_and_forms(probe_world, probes, eager_celery):
    """Alpha's people sending Beta's badges, classes, students, issued badges, batches, webhooks, keys; and
    instructors reaching past their scope (rule 3)."""
    world, prober = probe_world, probes("another organization's ids")
    alpha, beta = world.alpha, world.beta
    admin, instructor = signed_in(alpha.admin), signed_in(alpha.instructor)
    roster, issue = (
        reverse(name, args=[alpha.classroom.pk]) for name in ("classes:roster_issue", "classes:issue_badges")
    )
    activity = {"student": alpha.student.username, "kind": "course_completed", "course": alpha.course.pk, "points": 1,
                "occurred_at": "2025-01-01T10:00"}  # fmt: skip
    attempts = [
        (admin, roster, {"badge": beta.badge.pk, "student": alpha.student.pk}, {}),
        (admin, roster, {"badge": beta.badge.pk, "student": alpha.student.pk}, HTMX),
        (admin, roster, {"badge": alpha.extra.pk, "student": beta.child_student.pk}, {}),  # not enrolled
        (instructor, roster, {"badge": alpha.extra.pk, "student": beta.student.pk}, HTMX),  # another org's student
        (admin, reverse("classes:roster_issue", args=[beta.classroom.pk]),
         {"badge": beta.extra.pk, "student": beta.student.pk}, {}),
        (admin, issue, {"key": "f1", "badges": [beta.badge.pk, beta.extra.pk],
                        "students": [beta.child_student.pk]}, {}),
        (instructor, issue, {"key": "f2", "badges": [alpha.extra.pk], "students": [beta.student.pk]}, {}),
        (admin, reverse("classes:issue_badges", args=[beta.classroom.pk]),
         {"key": "f3", "badges": [beta.extra.pk], "students": [beta.student.pk]}, {}),
        (admin, reverse("assignments:issue", args=[alpha.assignment.pk]),
         {"badge": beta.extra.pk, "student": alpha.student.pk}, {}),
        (admin, reverse("assignments:issue", args=[alpha.assignment.pk]),
         {"badge": alpha.extra.pk, "student": beta.student.pk}, HTMX),  # the assignment's student is the one
        (admin, reverse("assignments:issue", args=[beta.assignment.pk]), {"badge": beta.extra.pk}, {}),
        (admin, reverse("badges:award", args=[alpha.extra.pk]),
         {"key": "f4", "usernames": beta.child_student.username}, {}),
        (admin, reverse("badges:award", args=[beta.extra.pk]), {"key": "f5", "usernames": beta.student.username}, {}),
        (admin, reverse("badges:edit", args=[beta.badge.pk]), {"name": "Taken over", "is_active": "on"}, {}),
        (admin, reverse("badges:create"), {"organization": beta.org.pk, "name": "Planted", "is_active": "on"}, {}),
        (admin, reverse("people:profile", args=[alpha.student.pk]), {"key": "f6", "badge": beta.extra.pk}, {}),
        (admin, reverse("people:profile", args=[beta.child_student.pk]), {"key": "f7", "badge": beta.extra.pk}, {}),
        (admin, reverse("people:unlock", args=[beta.child_student.pk]), {}, {}),
        (admin, reverse("issued_badges:revoke"), {"ids": [beta.issued.pk], "reason": "Foreign"}, {}),
        (admin, reverse("issued_badges:reinstate"), {"ids": [beta.child_issued.pk], "reason": "Foreign"}, {}),
        (instructor, reverse("issued_badges:revoke"), {"ids": [alpha.issued.pk], "reason": "Not mine"}, {}),
        (admin, reverse("issued_badges:batch_retry", args=[beta.batch.uuid]), {"key": "f8"}, {}),
        (admin, reverse("webhooks:list"), {"organization": beta.org.pk, "url": "https://x.example.org/h",
                                           "events": ["badge.issued"]}, {}),
        *[(admin, reverse(f"webhooks:{action}", args=[beta.webhook.pk]), {"confirm": "delete"}, {})
          for action in ("test", "disable", "enable", "delete")],
        (admin, reverse("api:keys"), {"organization": beta.org.pk, "name": "Planted key"}, {}),
        (admin, reverse("api:key_revoke", args=[beta.api_key.pk]), {}, {}),
        (admin, reverse("notifications:resend", args=[beta.issued.pk]), {}, {}),
        (admin, reverse("credentials:self_test", args=[beta.badge.pk]), {}, {}),
        (admin, reverse("achievements:deactivate", args=[beta.achievement.pk]), {}, {}),
        (admin, reverse("achievements:activate", args=[beta.achievement.pk]), {}, {}),
        (admin, reverse("assignments:create"),
         {"course": beta.course.pk, "student": alpha.student.username, "days": 30}, {}),
        (admin, reverse("assignments:create"),
         {"course": alpha.course.pk, "student": beta.child_student.username, "days": 30}, {}),
        (admin, reverse("activity:create"), {**activity, "student": beta.child_student.username}, {}),
        (admin, reverse("activity:create"), {**activity, "course": beta.course.pk}, {}),
    ]  # fmt: skip
    for client, url, data, extra in attempts:
        prober.send(client, "post", url, data, **extra)
    # A bulk revocation of Alpha's and Beta's: Alpha's is revoked (each row has its outcome), Beta's untouched.
    foreign = IssuedBadge.objects.filter(pk=beta.issued.pk)
    untouched = foreign.values_list("revoked_at", flat=True).get()
    prober.send(
        admin, "post", reverse("issued_badges:revoke"), {"ids": [alpha.issued.pk, beta.issued.pk], "reason": "Mixed"},
        expect="any", may_change={"issued badges"},
        check=lambda: [] if foreign.values_list("revoked_at", flat=True).get() == untouched else ["Beta's badge"],
    )  # fmt: skip
    prober.assert_clean()


# Paths whose id is made up: "{}" is replaced by each absurd value.
ABSURD_PATHS = [
    "/badges/{}/edit/",
    "/badges/{}/award/",
    "/classes/{}/roster/issue/",
    "/classes/{}/issue-badges/",
    "/assignments/{}/issue/",
    "/users/{}/",
    "/users/{}/unlock/",
    "/issued-badges/{}/email/resend/",
    "/settings/webhooks/{}/delete/",
    "/settings/api-keys/{}/revoke/",
    "/achievements/{}/deactivate/",
    "/issued-badges/batches/{}/retry/",
    "/badges/{}/credentials-check/",
]
ABSURD_PAGES = ["/openbadges/badges/{}", "/openbadges/badges/{}/image", "/openbadges/status/alpha/{}",
                "/classes/1/roster/students/{}/", "/verify/{}/", "/issued-badges/{}/"]  # fmt: skip


def test_absurd_ids_in_urls_forms_and_queries(probe_world, probes, eager_celery):
    """0, -1, 2**63, "abc", 10**30, "", "1.5", "0x10" wherever an id goes, as Alpha's administrator."""
    world, prober = probe_world, probes("absurd ids")
    alpha, admin = world.alpha, signed_in(world.alpha.admin)
    roster, issue = (
        reverse(name, args=[alpha.classroom.pk]) for name in ("classes:roster_issue", "classes:issue_badges")
    )
    for value in ABSURD:
        forms = [
            (roster, {"badge": value, "student": alpha.student.pk}, HTMX),
            (roster, {"badge": alpha.extra.pk, "student": value}, {}),
            (issue, {"key": "a1", "badges": [value], "students": [alpha.student.pk]}, {}),
            (issue, {"key": "a2", "badges": [alpha.extra.pk], "students": [value, alpha.student.pk]}, {}),
            (reverse("assignments:issue", args=[alpha.assignment.pk]), {"badge": value, "student": value}, {}),
            (reverse("people:profile", args=[alpha.student.pk]), {"key": "a3", "badge": value}, {}),
            (reverse("issued_badges:revoke"), {"ids": [value], "reason": "Absurd"}, {}),
            (reverse("issued_badges:reinstate"), {"ids": [value], "reason": "Absurd"}, {}),
            (reverse("badges:create"), {"organization": value, "name": "Absurd", "is_active": "on"}, {}),
            (reverse("webhooks:list"), {"organization": value, "url": "https://x.example.org/h",
                                        "events": ["badge.issued"]}, {}),
            (reverse("api:keys"), {"organization": value, "name": "Absurd key"}, {}),
            (reverse("assignments:create"), {"course": value, "student": alpha.student.username, "days": value}, {}),
            (reverse("activity:create"), {"student": alpha.student.username, "kind": "lab_launched", "lab": value,
                                          "points": value, "occurred_at": "2025-01-01T10:00"}, {}),
        ]  # fmt: skip
        for url, data, extra in forms:
            prober.send(admin, "post", url, data, what=f"[{value}]", **extra)
        if value:
            for path in ABSURD_PATHS:
                prober.send(admin, "post", path.format(value))
            for path in ABSURD_PAGES:
                prober.send(admin, "get", path.format(value))
        prober.send(admin, "get", reverse("classes:choose_badge", args=[alpha.classroom.pk]), {"student": value},
                    expect="any")  # the dialog says the student cannot receive badges here  # fmt: skip
        prober.send(admin, "get", reverse("issued_badges:find"), {"badge": value, "classroom": value, "page": value},
                    expect="any")  # fmt: skip
        prober.send(admin, "get", reverse("issued_badges:export"), {"badge": value}, expect="any")
    prober.assert_clean()


def test_mass_assigned_fields_have_no_effect(probe_world, probes, eager_celery):
    """Valid forms with fields they do not have — the issuer, the organization, the source, another recipient,
    superuser rights: what is written is what the form allows, by the person who sent it."""
    world, prober = probe_world, probes("mass-assigned fields")
    alpha, beta = world.alpha, world.beta
    admin = signed_in(alpha.admin)
    forged = {"issued_by": beta.admin.pk, "organization": beta.org.pk, "source": "api", "recipient": beta.student.pk,
              "classroom": beta.classroom.pk, "revoked_by": beta.admin.pk, "is_superuser": "on", "is_staff": "on",
              "id": beta.badge.pk, "pk": beta.badge.pk, "created_by": beta.admin.pk}  # fmt: skip
    badges = [BadgeFactory(organization=alpha.org, name=f"Mass {n}") for n in range(4)]

    def issued_as(badge, source, **where):
        def check():
            rows = list(IssuedBadge.objects.filter(badge=badge).values("recipient", "issued_by", "source", **where))
            expected = [{"recipient": alpha.student.pk, "issued_by": alpha.admin.pk, "source": source}]
            return [] if [{k: r[k] for k in expected[0]} for r in rows] == expected else [f"issued {rows}"]

        return check

    issuing = {"issued badges", "batches", "badge e-mails"}
    roster, issue = (
        reverse(name, args=[alpha.classroom.pk]) for name in ("classes:roster_issue", "classes:issue_badges")
    )
    prober.send(
        admin,
        "post",
        roster,
        {**forged, "badge": badges[0].pk, "student": alpha.student.pk},
        expect="any",
        may_change=issuing,
        check=issued_as(badges[0], "roster"),
    )
    prober.send(
        admin,
        "post",
        issue,
        {**forged, "key": "m1", "badges": [badges[1].pk], "students": [alpha.student.pk]},
        expect="any",
        may_change=issuing,
        check=issued_as(badges[1], "batch"),
    )
    prober.send(
        admin,
        "post",
        reverse("badges:award", args=[badges[2].pk]),
        {**forged, "key": "m2", "usernames": alpha.student.username},
        expect="any",
        may_change=issuing,
        check=issued_as(badges[2], "usernames"),
    )
    prober.send(
        admin,
        "post",
        reverse("people:profile", args=[alpha.student.pk]),
        {**forged, "key": "m3", "badge": badges[3].pk},
        expect="any",
        may_change=issuing,
        check=issued_as(badges[3], "profile"),
    )

    def badge_kept(badge, organization):
        return lambda: [] if Badge.objects.filter(pk=badge.pk, organization=organization).exists() else ["badge moved"]

    prober.send(
        admin,
        "post",
        reverse("badges:edit", args=[alpha.badge.pk]),
        {**forged, "name": alpha.badge.name, "is_active": "on", "image": "../../badges_portal/settings.py"},
        expect="any",
        may_change={"badges"},
        check=badge_kept(alpha.badge, alpha.org),
    )
    prober.send(
        admin,
        "post",
        reverse("badges:create"),
        {**forged, "organization": alpha.org.pk, "name": "Mass new", "is_active": "on"},
        expect="any",
        may_change={"badges"},
        check=lambda: badge_kept(beta.badge, beta.org)() + badge_kept(Badge.objects.get(name="Mass new"), alpha.org)(),
    )
    prober.send(
        admin,
        "post",
        reverse("issued_badges:revoke"),
        {**forged, "ids": [alpha.issued.pk], "reason": "Mass", "revoked_at": "2000-01-01"},
        expect="any",
        may_change={"issued badges"},
        check=lambda: (
            []
            if IssuedBadge.objects.filter(
                pk=alpha.issued.pk, revoked_by=alpha.admin, revoked_at__year__gt=2000
            ).exists()
            else ["revoked_by"]
        ),
    )
    prober.send(
        admin,
        "post",
        reverse("api:keys"),
        {**forged, "organization": alpha.org.pk, "name": "Mass key", "revoked_at": "2000-01-01", "prefix": "aaaaaaaa"},
        expect="any",
        may_change={"api keys"},
        check=lambda: (
            []
            if ApiKey.objects.filter(name="Mass key", organization=alpha.org, revoked_at=None)
            .exclude(prefix="aaaaaaaa")
            .exists()
            else ["api key"]
        ),
    )
    prober.send(
        admin,
        "post",
        reverse("webhooks:list"),
        {
            **forged,
            "organization": alpha.org.pk,
            "url": "https://mass.example.org/h",
            "events": ["badge.issued"],
            "secret": "whsec_known",
            "is_active": "",
        },
        expect="any",
        may_change={"webhooks"},
        check=lambda: (
            []
            if Webhook.objects.filter(url="https://mass.example.org/h", organization=alpha.org, is_active=True)
            .exclude(secret="whsec_known")
            .exists()
            else ["webhook"]
        ),
    )
    prober.send(
        admin,
        "post",
        reverse("assignments:create"),
        {**forged, "course": alpha.course.pk, "student": alpha.child_student.username, "days": 30},
        expect="any",
        may_change={"assignments"},
        check=lambda: (
            []
            if CourseAssignment.objects.filter(student=alpha.child_student, organization=alpha.org).exists()
            else ["assignment"]
        ),
    )
    rights = User.objects.filter(pk=alpha.admin.pk).values_list("is_superuser", "is_staff", "organization", "username")
    before = rights.get()
    prober.send(
        admin,
        "post",
        reverse("password_change"),
        {
            **forged,
            "organization": beta.org.pk,
            "username": "root",
            "old_password": PASSWORD,
            "new_password1": "Mass-pass-987",
            "new_password2": "Mass-pass-987",
        },
        expect="any",
        may_change={"users"},
        check=lambda: [] if rights.get() == before else ["user's rights"],
    )
    prober.assert_clean()  # fmt: skip


def test_posts_without_a_csrf_token(probe_world, probes, eager_celery):
    """Every form that writes, sent by a browser that is signed in but without the page's token (a forged
    cross-site post): 403, nothing written, logged as a CSRF refusal."""
    world, prober = probe_world, probes("missing CSRF token")
    admin = signed_in(world.alpha.admin, enforce_csrf_checks=True)
    for name, (url, data) in valid_posts(world).items():
        prober.send(admin, "post", url, data, what=name)
        prober.send(admin, "post", url, {**data, "csrfmiddlewaretoken": "forged" * 8}, what=f"{name}, forged token")
    anonymous = Client(enforce_csrf_checks=True)
    prober.send(anonymous, "post", reverse("login"), {"username": world.alpha.admin.username, "password": PASSWORD})
    prober.send(anonymous, "post", reverse("password_reset"), {"email": world.alpha.admin.email})
    csrf = [record.refusal for record in prober.log if record.refusal["status"] == 403]
    assert len(csrf) == prober.figures.attempts and all(refusal["csrf"] for refusal in csrf)
    prober.assert_clean()


def test_ten_megabyte_bodies(probe_world, probes, eager_celery):
    """10 MB sent to forms and to the API: refused at once (400), or the form's own error for an upload —
    never a 500, never kept."""
    world, prober = probe_world, probes("10 MB bodies")
    alpha = world.alpha
    admin = signed_in(alpha.admin)
    huge = "x" * TEN_MB
    form = "application/x-www-form-urlencoded"
    for name in ("revoke", "award badge", "issue badges", "assign on profile", "webhook create", "badge edit"):
        url, data = valid_posts(world)[name]
        prober.send(admin, "post", url, f"reason={huge}&usernames=a", content_type=form, what=name)
    prober.send(Client(), "post", reverse("login"), f"username=a&password={huge}", content_type=form)
    prober.send(Client(), "post", reverse("password_reset"), f"email={huge}@example.com", content_type=form)
    image = SimpleUploadedFile("big.png", _png() + b"\0" * TEN_MB, content_type="image/png")
    url, data = valid_posts(world)["badge edit"]
    prober.send(admin, "post", url, {**data, "image": image}, what="10 MB image")
    upload = SimpleUploadedFile("activity.csv", b"username,kind\n" + b"a,b\n" * (TEN_MB // 4), content_type="text/csv")
    prober.send(admin, "post", reverse("activity:import"), {"file": upload}, what="10 MB CSV")
    api = api_client(alpha.org, "Alpha probe")
    awards = reverse("api:awards", args=[alpha.extra.pk])
    body = '{"recipients": ["' + alpha.student.username + '"], "evidence": "' + huge + '"}'
    activities = '{"activities": [' + ",".join(['{"username": "x", "kind": "lab_launched"}'] * 250_000) + "]}"
    answers = [
        prober.send(api, "post", awards, body, content_type="application/json", what="API"),
        prober.send(api, "post", awards, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big",
                    what="API, Idempotency-Key"),
        prober.send(api, "post", reverse("api:activities"), activities, content_type="application/json", what="API"),
    ]  # fmt: skip
    prober.assert_clean()
    # The API says why, in JSON (it answered Django's HTML 400 page before).
    assert [(answer.status_code, answer.json()["detail"][:29]) for answer in answers] == [
        (413, "The request body is too large")
    ] * 3


def test_fifty_one_usernames(probe_world, probes, eager_celery):
    """Award Badge and the API take 50 at most: 51 distinct names, however separated, are refused whole."""
    world, prober = probe_world, probes("51 usernames")
    alpha = world.alpha
    names = [alpha.student.username, *(f"student{n:02}" for n in range(50))]
    url = reverse("badges:award", args=[alpha.extra.pk])
    for separator in (",", "\n", "\r\n", " ", ";", "\t", ",\n"):
        prober.send(signed_in(alpha.admin), "post", url, {"key": f"k{len(separator)}{ord(separator[0])}",
                                                          "usernames": separator.join(names)})  # fmt: skip
    api = api_client(alpha.org, "Alpha probe")
    prober.send(api, "post", reverse("api:awards", args=[alpha.extra.pk]), {"recipients": names}, format="json")
    many = {"recipients": [alpha.student.username] * 51}  # 51 times one name: still 51 recipients
    prober.send(api, "post", reverse("api:awards", args=[alpha.extra.pk]), many, format="json")
    prober.assert_clean()


def _local(location: str) -> bool:
    """A redirect that stays on the portal: a path, not another host (however a browser would read it)."""
    target = location.replace("\\", "/").strip()
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def test_open_redirects_in_next(probe_world, probes, eager_celery):
    """``next`` naming another site, a protocol-relative or backslashed path or a script URL, on sign-in (sent in
    the form or in the page's query), sign-out, Revoke Badge and Reinstate: the portal sends to its own page."""
    world, prober = probe_world, probes("open redirects in next")
    alpha = world.alpha
    foreign = []

    def local(response):
        return lambda: [] if response.status_code != 302 or _local(response["Location"]) else ["redirect"]

    for target in EVIL_NEXT:
        attempts = [
            (Client(), reverse("login"), {"username": alpha.admin.username, "password": PASSWORD, "next": target}),
            (Client(), f"{reverse('login')}?next={target}", {"username": alpha.admin.username, "password": PASSWORD}),
            (signed_in(alpha.admin), reverse("logout"), {"next": target}),
            (signed_in(alpha.admin), reverse("issued_badges:revoke"),
             {"ids": [alpha.issued.pk], "reason": "Probe", "next": target}),
            (signed_in(alpha.admin), reverse("issued_badges:revoke"), {"ids": [alpha.issued.pk], "next": target}),
            (signed_in(alpha.admin), reverse("issued_badges:reinstate"),
             {"ids": [alpha.issued.pk], "reason": "Probe", "next": target}),
        ]  # fmt: skip
        for client, url, data in attempts:
            response = prober.send(client, "post", url, data, expect="any", may_change={"issued badges"},
                                   what=f"next={target!r}")  # fmt: skip
            if response.status_code == 302 and not _local(response["Location"]):
                foreign.append(f"{url} next={target!r}: {response['Location']}")
    prober.figures.wrong_rows += len(foreign)
    assert foreign == []
    prober.assert_clean()


def test_the_hostile_upload_corpus_through_edit_and_new_badge(probe_world, probes):
    """Issue 15 item 1's files, uploaded as a badge's image: refused on the form, the badge's image unchanged."""
    world, prober = probe_world, probes("hostile uploads")
    admin = signed_in(world.alpha.admin)
    edit_url, edit = valid_posts(world)["badge edit"]
    create_url, create = valid_posts(world)["badge create"]
    for data, name in HOSTILE:
        prober.send(admin, "post", edit_url, {**edit, "image": SimpleUploadedFile(name, data)}, what=name)
        prober.send(admin, "post", create_url, {**create, "image": SimpleUploadedFile(name, data)}, what=name)
    prober.assert_clean()


def _cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_spreadsheet_formulas_through_find_issued_badges_export(probe_world, probes, eager_celery):
    """Issue 15 item 2's payloads as badge names and revocation reasons, put in through the pages, and as filter
    values: every export answers (or refuses its filters with 400) and no cell starts a formula. A cell that
    would is counted as a row written wrongly."""
    world, prober = probe_world, probes("CSV formula payloads")
    alpha = world.alpha
    admin = signed_in(alpha.admin)
    for n, payload in enumerate(CSV_PAYLOADS):
        admin.post(reverse("badges:create"), {"organization": alpha.org.pk, "name": f"{payload} {n}"[:100],
                                              "is_active": "on", "manual_issuance_enabled": "on"})  # fmt: skip
        badge = Badge.objects.get(organization=alpha.org, name__startswith=payload.strip()[:20], name__endswith=f" {n}")
        admin.post(reverse("badges:award", args=[badge.pk]), {"key": f"csv{n}", "usernames": alpha.student.username})
        issued = IssuedBadge.objects.get(badge=badge, recipient=alpha.student)
        admin.post(reverse("issued_badges:revoke"), {"ids": [issued.pk], "reason": payload})
    assert IssuedBadge.objects.filter(revocation_reason__in=[p.strip() for p in CSV_PAYLOADS]).count() >= 5
    export = reverse("issued_badges:export")
    queries = [{}, {"status": "revoked"}, {"student": alpha.student.username}]
    queries += [{"q": payload} for payload in CSV_PAYLOADS] + [{"student": payload} for payload in CSV_PAYLOADS]
    queries += [{"badge": CSV_BADGE}, {"sort": "=1+1"}, {"issued_from": "@SUM(A1)"}]
    formulas = []
    for query in queries:
        response = prober.send(admin, "get", export, query, expect="any", what=str(query))
        if response.status_code == 200:
            formulas += [cell for row in _cells(response) for cell in row if cell.startswith(("=", "+", "-", "@"))]
    prober.figures.wrong_rows += len(formulas)
    assert formulas == []
    prober.assert_clean()


def test_forged_api_bodies(probe_world, probes, eager_celery):
    """The API with another organization's ids, absurd ids, unknown fields, wrong types, malformed JSON."""
    world, prober = probe_world, probes("forged API bodies")
    alpha, beta = world.alpha, world.beta
    api = api_client(alpha.org, "Alpha probe")
    awards = reverse("api:awards", args=[alpha.extra.pk])
    student = alpha.student.username
    attempts = [
        ("post", reverse("api:awards", args=[beta.extra.pk]), {"recipients": [beta.student.username]}),
        ("post", awards, {"recipients": [beta.child_student.username]}),  # unknown to Alpha: a result, not issued
        ("post", awards, {"recipients": student}),
        ("post", awards, {"recipients": [{"username": student}]}),
        ("post", awards, {"recipients": [student], "issued_by": beta.admin.pk}),
        ("post", awards, {"recipients": [student], "organization": beta.org.pk, "source": "roster"}),
        ("post", awards, {"recipients": [student], "evidence": "x" * 100_000}),
        ("post", awards, {"recipients": []}),
        ("post", awards, []),
        ("post", awards, None),
        *[("post", f"/api/v1/badges/{value}/awards/", {"recipients": [student]}) for value in ABSURD if value],
        ("post", reverse("api:revoke", args=[beta.issued.uuid]), {"reason": "Foreign"}),
        ("post", reverse("api:reinstate", args=[beta.child_issued.uuid]), {"reason": "Foreign"}),
        ("post", reverse("api:revoke", args=[alpha.issued.uuid]), {"reason": ["not", "text"]}),
        ("post", reverse("api:revoke", args=[alpha.issued.uuid]), {"reason": "x" * 5000}),
        ("post", reverse("api:revoke", args=[alpha.issued.uuid]), {"reason": "Ok", "revoked_by": beta.admin.pk}),
        ("post", reverse("api:activities"), {"activities": [{"username": beta.child_student.username,
                                                             "kind": "lab_launched", "lab": "nope"}] * 1001}),
        ("post", reverse("api:activities"), {"activities": [{"username": student, "kind": "course_completed",
                                                             "course": beta.course.code, "points": 10**30,
                                                             "occurred_at": "yesterday"}]}),
        ("post", reverse("api:activities"), {"activities": "all of them"}),
        ("post", reverse("api:webhooks"), {"url": "http://127.0.0.1:8000/admin/", "events": ["badge.issued"]}),
        ("post", reverse("api:webhooks"), {"url": "https://x.example.org/h", "events": ["*"]}),
        ("post", reverse("api:webhooks"), {"url": "https://x.example.org/h", "events": ["badge.issued"],
                                           "organization": beta.org.pk}),
        ("delete", reverse("api:webhook", args=[beta.webhook.pk]), None),
        *[("delete", f"/api/v1/webhooks/{value}/", None) for value in ABSURD if value],
        ("get", reverse("api:issued_badges"), {"badge": "abc", "changed_since": "=1+1", "cursor": "forged"}),
        ("get", reverse("api:issued_badge", args=[beta.issued.uuid]), None),
    ]  # fmt: skip
    for method, url, data in attempts:
        prober.send(api, method, url, data, format="json", what=str(data)[:60])
    # Malformed bodies, another content type, an oversized idempotency key.
    for body, content_type in [("{", "application/json"), ('{"recipients": [', "application/json"),
                               ("recipients=a", "application/x-www-form-urlencoded"), ("\xff\xfe", "application/json"),
                               ('{"recipients": ["a"]}', "application/json; charset=bz2_codec")]:  # fmt: skip
        prober.send(api, "post", awards, body, content_type=content_type, what=body[:20])
    prober.send(api, "post", awards, {"recipients": [student]}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    prober.assert_clean()


THREADS = 4


def _at_once(requests) -> list:
    """Send ``requests`` (callables) at the same moment, one thread each; their responses (or exceptions)."""
    barrier, answers = threading.Barrier(len(requests)), [None] * len(requests)

    def run(index):
        try:
            barrier.wait(timeout=10)
            answers[index] = requests[index]()
        except Exception as exc:  # counted as a 500 by the caller
            answers[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent requests are raced on PostgreSQL")
def test_the_same_form_sent_several_times_at_once_issues_once(probe_world, probes):
    """A double (quadruple) click: Award Badge, Issue Badges and Assign a badge with the same form key, the
    roster's Select a Badge, and the API's award with and without the same Idempotency-Key — each badge issued
    once per student, one issuance per form key, never a 500."""
    world, prober = probe_world, probes("same form sent 4× at once")
    alpha = world.alpha
    badges = [BadgeFactory(organization=alpha.org, name=f"Race {n}") for n in range(6)]
    roster, issue = issuing_urls(alpha.classroom)
    students = [alpha.student.pk, world.beta.student.pk]  # both attend Alpha's class
    forms = [
        (reverse("badges:award", args=[badges[0].pk]), {"key": "race-1", "usernames": alpha.student.username}, 1),
        (issue, {"key": "race-2", "badges": [badges[1].pk], "students": students}, 2),
        (reverse("people:profile", args=[alpha.student.pk]), {"key": "race-3", "badge": badges[2].pk}, 1),
        (roster, {"badge": badges[3].pk, "student": alpha.student.pk}, 1),
    ]
    body = {"recipients": [alpha.student.username]}
    api = [api_client(alpha.org, f"Race {n}") for n in range(THREADS)]
    keyed_api = [APIClient() for _ in range(THREADS)]  # one key, a client per thread
    for client in keyed_api:
        client.credentials(HTTP_AUTHORIZATION=api[0]._credentials["HTTP_AUTHORIZATION"])
    awards = [reverse("api:awards", args=[badge.pk]) for badge in badges[4:]]
    races = [*forms, (awards[0], None, 1), (awards[1], "race-api", 1)]
    for badge, (url, data, pairs) in zip(badges, races, strict=True):
        if data is None:  # the API, each its own key
            requests = [functools.partial(client.post, url, body, format="json") for client in api]
        elif isinstance(data, str):  # the API, one key, the same Idempotency-Key
            requests = [
                functools.partial(client.post, url, body, format="json", HTTP_IDEMPOTENCY_KEY=data)
                for client in keyed_api
            ]
        else:
            requests = [functools.partial(signed_in(alpha.admin).post, url, data) for _ in range(THREADS)]
        for request in requests:
            request.func.__self__.raise_request_exception = False
        keyed = isinstance(data, str) or "key" in (data or {})
        batches = IssuanceBatch.objects.count()
        answers = _at_once(requests)
        batches = IssuanceBatch.objects.count() - batches
        prober.figures.attempts += len(answers)
        for answer in answers:
            status = 500 if isinstance(answer, Exception) else answer.status_code
            prober.figures.statuses[status] += 1
            prober.figures.errors += status >= 500
            prober.figures.refusals += 400 <= status < 500
        rows = IssuedBadge.objects.filter(badge=badge).count()
        extra = max(rows - pairs, 0) + (max(batches - 1, 0) if keyed else 0)
        prober.figures.duplicates += extra
        if extra or rows != pairs:
            prober.figures.problems.append(f"{badge.name}: {rows} issued for {pairs} pairs, {batches} issuances")
    prober.assert_clean()

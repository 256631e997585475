"""Interoperability self-test of a badge (issue 14, item 7): build a sample OpenBadgeCredential for it — a sample
recipient, nothing saved, signed with the organization's key by the same code as real credentials — and check it
as a relying party would: the Open Badges 3.0 JSON Schema, the proof (openbadgeslib's verifier), the issuer's
did:web, the status list it points at, the badge image, and the OB 2.0 BadgeClass.

Whatever a verifier would download is read from the portal's own public views (no network): the checks see what
the portal serves. Writes: the organization's signing key and first status list when it has none yet (each made
at its first need anyway) and the status list's stored signature; never an issued badge or a credential.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone
from jsonschema import Draft202012Validator
from openbadgeslib.ob3 import OB3LdpVerifier, multikey_from_pem
from openbadgeslib.ob3.did import fetch_did_web_document, resolve_verification_method
from openbadgeslib.ob3.ldp import verify_data_integrity_proof

from apps.accounts.models import User
from apps.issued_badges.models import IssuedBadge

from . import identifiers
from .keys import signing_available
from .services import credential_document_sign
from .status import status_list_current

SCHEMA_PATH = Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential.schema.json"
SAMPLE_EMAIL = "sample.learner@example.org"
OB2_BADGE_CLASS_FIELDS = ("id", "type", "name", "description", "image", "criteria", "issuer")
OB2_ISSUER_FIELDS = ("id", "type", "name", "url", "email")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


class _Unavailable(Exception):
    """A document the portal does not serve (the one-line reason is the message)."""


@lru_cache(maxsize=1)
def _schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def portal_get(url: str, *, accept: str | None = None) -> HttpResponse:
    """GET one of the portal's own public credential URLs by calling its view (no network, no sign-in)."""
    base = settings.CREDENTIALS_BASE_URL
    # did:web always resolves over https; a portal run over http (development, the demo) serves the same paths.
    bases = {base, "https://" + base.removeprefix("http://")}
    found = next((b for b in bases if url.startswith(b + "/")), None)
    if found is None:
        raise _Unavailable(f"{url} is not one of this portal's addresses ({base})")
    path = url.removeprefix(found).split("#", 1)[0]
    try:
        match = resolve(path)
    except Resolver404:
        raise _Unavailable(f"{path} is not served") from None
    if match.namespace != "credentials":
        raise _Unavailable(f"{path} is not a public credentials document")
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    request = RequestFactory().get(path, **headers)
    return match.func(request, *match.args, **match.kwargs)


def _download(url: str) -> bytes:
    """openbadgeslib's ``download`` hook: the portal's answer, or an error for anything but 200."""
    response = portal_get(url)
    if response.status_code != 200:
        raise _Unavailable(f"{url} answered {response.status_code}")
    return response.content


def sample_issued_badge(badge) -> IssuedBadge:
    """An issued badge of ``badge`` to a sample learner, not saved."""
    return IssuedBadge.preview(
        badge=badge,
        recipient=User(username="sample-learner", email=SAMPLE_EMAIL),
        uuid=uuid.uuid4(),
        issued_at=timezone.now().replace(microsecond=0),
    )


def _first_error(errors) -> str:
    error = errors[0]
    where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {error.message}{more}"


def badge_self_test(badge) -> list[Check]:
    """Build the sample credential of ``badge`` and check it; one Check per aspect, in order."""
    checks: list[Check] = []

    def check(name: str, test) -> None:
        try:
            detail = test()
        except Exception as exc:  # each check reports its own failure; the others still run
            checks.append(Check(name, False, _one_line(exc)))
        else:
            checks.append(Check(name, True, detail))

    organization = badge.organization
    document: dict | None = None

    def build() -> str:
        nonlocal document
        if not signing_available():
            raise _Unavailable("signing is not configured on this portal (CREDENTIALS_KEY)")
        status_list = status_list_current(organization_id=organization.pk)
        index = min(status_list.next_index, status_list.size - 1)  # the next free index: its bit is clear
        document, pair = credential_document_sign(
            sample_issued_badge(badge),
            salt=secrets.token_hex(16),
            status_list_number=status_list.number,
            status_index=index,
        )
        key = pair.public_key_multibase
        private = serialization.load_pem_private_key(pair.private_pem, password=None)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if multikey_from_pem(public_pem) != key:
            raise _Unavailable(
                f"Signed, but the organization's published key {key[:16]}… is not the public half of its private key"
            )
        return f"OpenBadgeCredential for {SAMPLE_EMAIL} (not saved), signed by key {key[:16]}…"

    check("Sample credential built and signed", build)

    def needs_document():
        if document is None:
            raise _Unavailable("no sample credential to check")
        return document

    def schema() -> str:
        errors = sorted(_schema_validator().iter_errors(needs_document()), key=lambda e: list(e.absolute_path))
        if errors:
            raise _Unavailable(_first_error(errors))
        return "Valid against the Open Badges 3.0 AchievementCredential schema"

    check("JSON Schema (Open Badges 3.0 AchievementCredential)", schema)

    def proof() -> str:
        credential = needs_document()
        verified = OB3LdpVerifier().verify(credential, download=_download)
        method = credential["proof"]["verificationMethod"]
        key = method.rsplit("#", 1)[1][:16]
        return f"{credential['proof']['cryptosuite']} proof verified ({verified.achievement.name!r}, key #{key}…)"

    check("Proof verifies (openbadgeslib's verifier)", proof)

    def did_document() -> str:
        did = identifiers.did_web(organization.slug)
        resolved = fetch_did_web_document(did, download=_download)
        if resolved.get("id") != did:
            raise _Unavailable(f"the DID document is for {resolved.get('id')!r}, not {did}")
        methods = resolved.get("assertionMethod") or []
        if not methods:
            raise _Unavailable(f"{did} lists no assertionMethod")
        if document is not None and document["proof"]["verificationMethod"] not in methods:
            raise _Unavailable("the sample's signing key is not among the DID document's assertion methods")
        resolve_verification_method(methods[0], download=_download)
        keys = f"{len(methods)} key{'s' if len(methods) != 1 else ''}"
        http = settings.CREDENTIALS_BASE_URL.startswith("http://")
        note = " — served over http here: verifiers resolve did:web over https" if http else ""
        return f"{did} resolves ({keys}, the signing key listed){note}"

    check("Issuer DID document resolves (did:web)", did_document)

    def status() -> str:
        entry = needs_document()["credentialStatus"]
        entry = entry[0] if isinstance(entry, list) else entry
        url, index = entry["statusListCredential"], int(entry["statusListIndex"])
        response = portal_get(url, accept="application/vc+ld+json")
        if response.status_code != 200:
            raise _Unavailable(f"{url} answered {response.status_code}")
        listed = json.loads(response.content)
        if "BitstringStatusListCredential" not in listed.get("type", []):
            raise _Unavailable(f"{url} is not a BitstringStatusListCredential")
        subject = listed["credentialSubject"]
        if subject.get("statusPurpose") != entry["statusPurpose"]:
            raise _Unavailable(
                f"the list's purpose is {subject.get('statusPurpose')!r}, not {entry['statusPurpose']!r}"
            )
        encoded = subject["encodedList"]
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
        if index >= len(bits) * 8:
            raise _Unavailable(f"index {index} is outside the list ({len(bits) * 8} entries)")
        verify_data_integrity_proof(
            listed, resolve_verification_method(listed["proof"]["verificationMethod"], download=_download)
        )
        state = "set" if bits[index // 8] & (0x80 >> (index % 8)) else "clear"
        return f"{url} served and signed ({entry['statusPurpose']}); index {index} of {len(bits) * 8} {state}"

    check("Status entry points at a served status list", status)

    def image() -> str:
        url = needs_document()["credentialSubject"]["achievement"]["image"]["id"]
        response = portal_get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("image/"):
            raise _Unavailable(f"{url} answered {response.status_code} {content_type}")
        return f"{url} ({content_type}, {len(response.content):,} bytes)"

    check("Badge image reachable", image)

    def badge_class() -> str:
        response = portal_get(identifiers.badge_class(badge.pk))
        if response.status_code != 200:
            raise _Unavailable(f"the BadgeClass answered {response.status_code}")
        served = json.loads(response.content)
        missing = [field for field in OB2_BADGE_CLASS_FIELDS if not served.get(field)]
        if served.get("type") != "BadgeClass":
            missing.append("type BadgeClass")
        if not (served.get("criteria") or {}).get("narrative") and not isinstance(served.get("criteria"), str):
            missing.append("criteria narrative or URL")
        issuer = json.loads(portal_get(served["issuer"]).content) if served.get("issuer") else {}
        missing += [f"issuer {field}" for field in OB2_ISSUER_FIELDS if not issuer.get(field)]
        if missing:
            raise _Unavailable("missing: " + ", ".join(missing))
        return "BadgeClass and its Issuer profile have every required field"

    check("Open Badges 2.0 BadgeClass required fields", badge_class)
    return checks


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "…"

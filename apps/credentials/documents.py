"""The Open Badges documents of an issued badge, its badge and its organization: 2.0 (hosted Assertion,
BadgeClass, Issuer profile) and 3.0 (the unsigned OpenBadgeCredential that services.credential_sign signs).

Plain builders: they read what they are given and write nothing. Nothing personal goes out but a salted hash of
the recipient's e-mail.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from openbadgeslib.ob2.models import OB2_CONTEXT, hash_identity
from openbadgeslib.ob3 import Achievement, Evidence, IdentityObject, Issuer, OpenBadgeCredential, status_entry

from . import identifiers

OB3_IDENTITY_TYPES = {"email": "emailAddress", "url": "ext:profileUrl"}


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _issuer_email() -> str:
    return settings.CREDENTIALS_ISSUER_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "badges@localhost"


def _criteria(badge) -> str:
    return badge.criteria or f"Awarded by {badge.organization.name} to those who meet the requirements of {badge.name}."


def _recipient_identity(recipient) -> tuple[str, str]:
    """(kind, plaintext) that is hashed: the e-mail, or for a person without one the URL of their page here."""
    if recipient.email:
        return "email", recipient.email.strip().lower()
    return "url", identifiers.absolute(reverse("people:user_badges", args=[recipient.pk]))


# --- Open Badges 2.0 (hosted) ----------------------------------------------------------------------------------


def ob2_issuer(organization) -> dict:
    """Issuer Profile: id, type, name, url, email (the required fields)."""
    return {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": identifiers.issuer_profile(organization.slug),
        "name": organization.name,
        "url": settings.CREDENTIALS_BASE_URL + "/",
        "email": _issuer_email(),
    }


def ob2_badge_class(badge) -> dict:
    """BadgeClass: id, type, name, description, image, criteria, issuer (the required fields)."""
    return {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": identifiers.badge_class(badge.pk),
        "name": badge.name,
        "description": badge.description or badge.name,
        "image": identifiers.badge_image(badge.pk),
        "criteria": {"narrative": _criteria(badge)},
        "issuer": identifiers.issuer_profile(badge.organization.slug),
    }


def ob2_assertion(issued, *, salt: str) -> dict:
    """Hosted Assertion: id, type, recipient (salted SHA-256), badge, verification, issuedOn (the required
    fields), and the image and the verification page (narrative: where a person checks it)."""
    kind, plaintext = _recipient_identity(issued.recipient)
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": identifiers.assertion(issued.uuid),
        "recipient": {
            "type": kind,
            "hashed": True,
            "salt": salt,
            "identity": hash_identity(plaintext, salt),
        },
        "badge": identifiers.badge_class(issued.badge_id),
        "verification": {"type": "HostedBadge"},
        "issuedOn": _iso(issued.issued_at),
        "image": identifiers.badge_image(issued.badge_id),
    } | ({"evidence": _ob2_evidence(evidence)} if (evidence := evidence_of(issued)) else {})


def evidence_of(issued) -> str:
    """The evidence the issuance was sent with (a URL or a few words), where the portal records one."""
    return (getattr(issued, "evidence", "") or "").strip()


def is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and " " not in text


def _ob2_evidence(evidence: str) -> dict:
    return {"type": "Evidence", "id": evidence} if is_url(evidence) else {"type": "Evidence", "narrative": evidence}


def ob2_revoked(issued) -> dict:
    """What a revoked assertion answers (with 410 Gone)."""
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": identifiers.assertion(issued.uuid),
        "revoked": True,
        "revocationReason": issued.revocation_reason,
    }


# --- Open Badges 3.0 -------------------------------------------------------------------------------------------


def ob3_credential(issued, *, salt: str, status_list_number: int, status_index: int) -> OpenBadgeCredential:
    """The OpenBadgeCredential (VC Data Model 2.0) of an issued badge, unsigned: issuer the organization's did:web,
    the recipient as a salted hash, its revocation entry in the organization's Bitstring Status List."""
    badge, organization = issued.badge, issued.badge.organization
    kind, plaintext = _recipient_identity(issued.recipient)
    return OpenBadgeCredential(
        id=identifiers.credential(issued.uuid),
        issuer=Issuer(id=identifiers.did_web(organization.slug), name=organization.name,
                      url=settings.CREDENTIALS_BASE_URL + "/"),
        recipient_id=None,
        identifiers=[
            IdentityObject.create(plaintext, salt=salt, identity_type=OB3_IDENTITY_TYPES[kind])
        ],
        achievement=Achievement(
            id=identifiers.badge_class(badge.pk),
            name=badge.name,
            description=badge.description or badge.name,
            criteria_narrative=_criteria(badge),
            image_url=identifiers.badge_image(badge.pk),
            achievement_type="Badge",
        ),
        name=badge.name,
        issuance_date=issued.issued_at,
        evidence=[Evidence(id=evidence) if is_url(evidence) else Evidence(narrative=evidence)]
        if (evidence := evidence_of(issued))
        else [],
        credential_status=[
            status_entry(identifiers.status_list(organization.slug, status_list_number), "revocation", status_index)
        ],
    )  # fmt: skip

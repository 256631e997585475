"""The public addresses of credentials: absolute URLs from settings.CREDENTIALS_BASE_URL and each organization's
did:web. Every id a signed document carries is built here, so they never drift apart."""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse


def absolute(path: str) -> str:
    return f"{settings.CREDENTIALS_BASE_URL}{path}"


def did_web(organization_slug: str) -> str:
    """``did:web:<host>:organizations:<slug>`` — resolved at https://<host>/organizations/<slug>/did.json (a port
    is percent-encoded, ``%3A``, per the did:web method)."""
    parts = urlsplit(settings.CREDENTIALS_BASE_URL)
    authority = parts.hostname or "localhost"
    if parts.port:
        authority += f":{parts.port}"
    segments = [quote(authority, safe=""), *(quote(s, safe="") for s in parts.path.split("/") if s)]
    return "did:web:" + ":".join([*segments, "organizations", quote(organization_slug, safe="")])


def verification_method(organization_slug: str, public_key_multibase: str) -> str:
    return f"{did_web(organization_slug)}#{public_key_multibase}"


def verify_page(uuid) -> str:
    return absolute(reverse("credentials:verify", args=[uuid]))


def assertion(uuid) -> str:
    return absolute(reverse("credentials:ob2_assertion", args=[uuid]))


def badge_class(badge_id: int) -> str:
    return absolute(reverse("credentials:ob2_badge", args=[badge_id]))


def issuer_profile(organization_slug: str) -> str:
    return absolute(reverse("credentials:ob2_issuer", args=[organization_slug]))


def credential(uuid) -> str:
    return absolute(reverse("credentials:ob3_credential", args=[uuid]))


def status_list(organization_slug: str, number: int) -> str:
    return absolute(reverse("credentials:status_list", args=[organization_slug, number]))


def badge_image(badge_id: int) -> str:
    return absolute(reverse("credentials:badge_image", args=[badge_id]))

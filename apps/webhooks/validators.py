"""Which URLs a webhook may be sent to: http(s) somewhere other than the portal itself, on a public network
(unless settings.WEBHOOKS_PRIVATE_NETWORKS): the form refuses an address it can see is private, and the
delivery checks the address it actually connects to (a name may resolve to a private one, or change)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http.request import validate_host

LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
MAX_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int | None:
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is not a number, or out of range
        return None


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


PRIVATE_REFUSAL = (
    "This URL points at a private or local network address: webhooks are sent to addresses on the internet only."
)


def is_private_address(address: str) -> bool:
    """An IP address that is not on the public internet (loopback, private, link-local, reserved…)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global


def private_networks_allowed() -> bool:
    return settings.WEBHOOKS_PRIVATE_NETWORKS


def _is_the_portal(host: str, port: int | None) -> bool:
    """The portal's own address: the host of PORTAL_URL on its port, or a name in ALLOWED_HOSTS.

    A loopback name in ALLOWED_HOSTS (a development default) is the portal only on PORTAL_URL's port: other
    programs on the same machine (a receiver under test, a local integration) listen on other ports. ``*`` in
    ALLOWED_HOSTS names no host in particular."""
    portal = urlsplit(settings.PORTAL_URL)
    portal_host = (portal.hostname or "").lower()
    if port == _port(portal) and (host == portal_host or (_is_loopback(host) and _is_loopback(portal_host))):
        return True
    if _is_loopback(host):
        return False
    patterns = [pattern for pattern in settings.ALLOWED_HOSTS if pattern != "*"]
    return validate_host(host, patterns) or validate_host(f"[{host}]", patterns)


def url_refusal(url: str) -> str | None:
    """Why ``url`` may not receive webhooks, in words for the person who typed it; None when it may."""
    url = (url or "").strip()
    if not url:
        return "Enter the URL that receives the webhooks."
    if len(url) > MAX_LENGTH:
        return f"The URL is too long: at most {MAX_LENGTH} characters."
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return "Enter an http:// or https:// URL: webhooks are sent by HTTP POST."
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "Enter a valid URL, such as https://example.com/webhooks/badges."
    if parts.username or parts.password:
        return "Leave the user name and password out of the URL: the signature proves the sender."
    host, port = (parts.hostname or "").lower().rstrip("."), _port(parts)
    if port is None:
        return "Enter a valid URL, such as https://example.com/webhooks/badges."
    if _is_the_portal(host, port):
        return "This URL points at the Badges Portal itself: enter the address of the system that should be told."
    local = _is_loopback(host) or host.endswith(".localhost") or is_private_address(host)
    if local and not private_networks_allowed():
        return PRIVATE_REFUSAL
    return None


def validate_webhook_url(url: str) -> str:
    """The URL, stripped; raises ValidationError (on ``url``) with the reason it is refused."""
    if refusal := url_refusal(url):
        raise ValidationError({"url": refusal}, code="invalid")
    return url.strip()

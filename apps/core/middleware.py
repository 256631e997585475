"""The refusal log: every request the portal refuses is one WARNING line on ``portal.refusals``, with the actor.

Refusals are the answers 400, 401, 403, 405, 413, 415, 422 and 429 (a CSRF failure is a 403, marked as such); 404 to a
signed-in person or an API key, or to a POST, PUT, PATCH or DELETE — not a crawler's GET of a page that does not
exist, which would drown the rest; and a POST, PUT, PATCH or DELETE sent to the sign-in page instead of being
done (someone not signed in, or whose session ended). A line says the status, the method, the path with the names
of its query parameters (never their values: a search may hold a person's name), who asked (a username,
"anonymous", or the API key's name and visible prefix) and from which address (``client_ip``: behind trusted
proxies, the one they saw)::

    Refused 403 POST /classes/3/roster/issue/ (CSRF): actor alpha-admin, address 203.0.113.7

The middleware sits right after AuthenticationMiddleware: ``request.user`` exists, and a CSRF failure (answered
by CsrfViewMiddleware's ``process_view`` before this one's) still passes through it on the way out. It reads
nothing of the request's body and returns the response untouched.
"""

import logging
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.module_loading import import_string
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

logger = logging.getLogger("portal.refusals")

REFUSED = frozenset({400, 401, 403, 405, 413, 415, 422, 429})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SHOWN = 300  # characters of a path or of a parameter name logged (a 10 MB URL is not copied into the log)
_VIEW_REACHED = "_refusal_log_view_reached"


class RefusalLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _refused(request, response):
            try:
                _log(request, response.status_code)
            except Exception:  # a log line must never turn a refusal into a 500
                logger.exception("The refusal of %s could not be described", _printable(request.path))
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Middlewares placed before this one run their process_view first: a 403 from a request that never got
        # here was answered by CsrfViewMiddleware's (the only one among them that refuses there).
        setattr(request, _VIEW_REACHED, True)


def _refused(request: HttpRequest, response: HttpResponse) -> bool:
    status, unsafe = response.status_code, request.method in UNSAFE
    if status == 404:
        return unsafe or _signed_in(request)
    if status == 302:
        return unsafe and _to_sign_in(response)
    return status in REFUSED


def _log(request: HttpRequest, status: int) -> None:
    csrf = status == 403 and not getattr(request, _VIEW_REACHED, False)
    method, path = _printable(request.method or "", 10), _described_path(request)
    actor, address = describe_actor(request), _printable(client_ip(request) or "unknown", 60)
    refusal = {"status": status, "method": method, "path": path, "actor": actor, "address": address, "csrf": csrf}
    logger.warning(
        "Refused %s %s %s%s: actor %s, address %s",
        status, method, path, " (CSRF)" if csrf else "", actor, address,
        extra={"refusal": refusal},
    )  # fmt: skip


def describe_actor(request: HttpRequest) -> str:
    """Who made the request: an API key's name and prefix (the API sets ``request.auth`` to the key; a request
    refused before any API view, e.g. a path no view answers, has its key read here), a username, or
    "anonymous"."""
    api_key = getattr(request, "auth", None)
    if api_key is None and request.path.startswith("/api/"):
        api_key = _api_key_sent(request)
    if api_key is not None and hasattr(api_key, "prefix"):
        return f"API key “{_printable(api_key.name)}” ({api_key.prefix})"
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "username", None):
        return _printable(user.username)
    return "anonymous"


def _api_key_sent(request: HttpRequest):
    """The API key ``request`` carries, checked by the API's own authentication (as configured for it), or None."""
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            found = authentication().authenticate(request)
        except APIException:  # a key that is not valid: nobody
            return None
        if found is not None:
            return found[1]
    return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the sign-in protection counts it (settings.AXES_CLIENT_IP_CALLABLE: the peer's, or
    behind trusted proxies the one they saw) — named in settings, so core imports no app."""
    return import_string(settings.AXES_CLIENT_IP_CALLABLE)(request)


def _to_sign_in(response: HttpResponse) -> bool:
    """A redirect to the sign-in page that asks to come back (``login_required``'s), not the sign-in's own."""
    return response.get("Location", "").startswith(f"{resolve_url(settings.LOGIN_URL)}?")


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _described_path(request: HttpRequest) -> str:
    """The path and the names of the query's parameters: ``/issued-badges/export.csv?student&badge``."""
    path = _printable(request.path)
    # Read from the raw query, not request.GET: a query of too many fields must not raise here.
    query = request.META.get("QUERY_STRING", "")
    names = list(dict.fromkeys(unquote_plus(part.partition("=")[0]) for part in query.split("&")[:100] if part))
    return f"{path}?{'&'.join(_printable(name, 40) for name in names[:20])}" if names else path


def _printable(text: str, limit: int = SHOWN) -> str:
    """``text`` on one line, control characters escaped (a path holding ``%0A`` cannot forge a second line)."""
    shown = "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text[:limit])
    return shown + "…" if len(text) > limit else shown

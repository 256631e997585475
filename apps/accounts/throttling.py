"""Sign-in and forgot-password protection: who is asking (the client's address, behind trusted proxies) and
how often (django-axes counts failed sign-ins; ``rate_exceeded`` counts forgot-password requests)."""

from __future__ import annotations

import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from apps.core.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)
HOUR = 3600


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the outermost of
    them saw (X-Forwarded-For, counted from the right: what a client writes on the left is never trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def sign_in_username(request: HttpRequest, credentials: dict | None) -> str:
    """The account a sign-in names, as counted: trimmed, in lower case (no letter-case variants to spread over)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()


def rate_exceeded(kind: str, key: str, limit: int, *, period: int = HOUR) -> bool:
    """Count one more ``kind`` request for ``key`` in the current ``period``; True once there were more than
    ``limit``. A shared cache makes the count the same on every web process; while it cannot be reached nothing is
    counted (logged) and the request goes ahead."""
    name = f"rate:{kind}:{key}"
    try:
        cache.add(name, 0, timeout=period)
        try:
            return cache.incr(name) > limit
        except ValueError:  # expired between add and incr: this is the first of a new period
            cache.set(name, 1, timeout=period)
            return False
    except CACHE_UNREACHABLE:
        logger.warning("%s not counted: the cache is unreachable", kind, exc_info=True)
        return False


def sign_in_locked_until(person):
    """When sign-in for ``person``'s account opens again after too many failures (django-axes' count for the
    account, whatever the address), or None when it is not paused."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=person.username.lower(), attempt_time__gte=since)
    counted = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (counted["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    return counted["last"] + settings.AXES_COOLOFF_TIME


def sign_in_unlock(person) -> int:
    """Clear the failed sign-ins counted for ``person``'s account (an administrator's Unlock sign-in)."""
    return reset(username=person.username.lower())

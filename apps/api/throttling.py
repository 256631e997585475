"""A rate per API key (settings.API_RATE): over it, 429 with Retry-After. Counted in the shared cache, so the rate
is the same whichever web process or host answers; uncounted (logged) while the cache is unreachable."""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from apps.core.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_RATE  # read per request: operators (and tests) change it without a restart

    def get_cache_key(self, request, view):
        api_key = request.auth
        return self.cache_format % {"scope": self.scope, "ident": api_key.pk} if api_key is not None else None

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_UNREACHABLE:
            logger.warning("API rate not counted: the cache is unreachable", exc_info=True)
            return True

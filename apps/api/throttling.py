"""A rate per API key (settings.API_RATE): over it, 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_RATE  # read per request: operators (and tests) change it without a restart

    def get_cache_key(self, request, view):
        api_key = request.auth
        return self.cache_format % {"scope": self.scope, "ident": api_key.pk} if api_key is not None else None

"""``Authorization: Bearer <API key>``: the request acts as the key's organization (the access policy's
OrganizationActor), for it and its children only."""

from datetime import timedelta

from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import authentication, exceptions

from apps.access.policy import OrganizationActor

from .models import ApiKey, key_digest, parse_key

LAST_USED_EVERY = timedelta(minutes=1)  # "last used at" is written at most this often (not on every request)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None  # no key: IsAuthenticated answers 401
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the API key as “Authorization: Bearer <key>”.")
        key = header[1]
        prefix = parse_key(key)
        api_key = ApiKey.objects.select_related("organization").filter(prefix=prefix).first() if prefix else None
        if api_key is None or not constant_time_compare(api_key.digest, key_digest(key)):
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_EVERY:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        actor = OrganizationActor(organization_id=api_key.organization_id, name=f"API key “{api_key.name}”")
        return actor, api_key

    def authenticate_header(self, request):
        return self.keyword  # a 401, not a 403, with WWW-Authenticate: Bearer

"""API keys (an organization's, acting for it and its children) and the answers kept for Idempotency-Key.

A key is ``bp_<prefix>_<secret>``: the prefix is stored as it is (the key's visible name in lists and logs), the
whole key only as its SHA-256 (a 32-byte random secret needs no slow hash: nothing to guess).
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models

from apps.access.querysets import ScopedQuerySet

PREFIX_LENGTH = 8


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    parts = key.split("_", 2)  # the secret is URL-safe base64: it may hold "_" too
    if len(parts) != 3 or parts[0] != "bp" or len(parts[1]) != PREFIX_LENGTH or len(parts[2]) < 32:
        return None
    return parts[1]


class ApiKey(models.Model):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (bp_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def shown(self) -> str:
        """How a key is shown once made: its prefix, never its secret."""
        return f"bp_{self.prefix}_…"

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """A new (prefix, whole key)."""
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        return prefix, f"bp_{prefix}_{secrets.token_urlsafe(32)}"


class IdempotentAnswer(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, kept 24 hours per API key: the same key and body
    get it again (nothing written), the same key with another body a 422."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and body
    status = models.PositiveSmallIntegerField(null=True)  # None while the first request runs
    body = models.TextField(null=True)  # the answer's JSON, as sent
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotent_answer_once")]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"

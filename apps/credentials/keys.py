"""Organizations' Ed25519 signing keys: made at first need, encrypted at rest, rotated by command.

Invariants: an organization has at most one active key (a database constraint; two first needs at once make one,
the other reads it); a private key is stored only as a Fernet token under settings.CREDENTIALS_KEY; a rotated key
is retired, never deleted, and stays in the DID document.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from openbadgeslib.ob3 import multikey_from_pem

from .models import SigningKey, StatusList

# Used only when DEBUG or DEMO is set and CREDENTIALS_KEY is not: the demo signs without any set-up.
_DEVELOPMENT_SECRET = b"badges-portal development credentials key: never used in production"


def signing_available() -> bool:
    """Whether this portal can sign: CREDENTIALS_KEY is set, or it runs under DEBUG or as the demo."""
    return bool((settings.CREDENTIALS_KEY or "").strip()) or settings.DEBUG or getattr(settings, "DEMO", False)


def _fernet_keys() -> tuple[str, ...]:
    configured = tuple(part.strip() for part in (settings.CREDENTIALS_KEY or "").split(",") if part.strip())
    if configured:
        return configured
    if settings.DEBUG or getattr(settings, "DEMO", False):
        return (base64.urlsafe_b64encode(hashlib.sha256(_DEVELOPMENT_SECRET).digest()).decode(),)
    raise ImproperlyConfigured(
        "Set CREDENTIALS_KEY to sign Open Badges credentials: it encrypts the organizations' private keys. "
        'Make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )


@lru_cache(maxsize=4)
def _cipher_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"CREDENTIALS_KEY is not a Fernet key (32 url-safe base64 bytes): {exc}") from None


def _cipher() -> MultiFernet:
    return _cipher_for(_fernet_keys())


def encrypt_private_key(pem: bytes) -> str:
    return _cipher().encrypt(pem).decode("ascii")


def decrypt_private_key(token: str) -> bytes:
    try:
        return _cipher().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A signing key cannot be decrypted with CREDENTIALS_KEY: was the key changed? Keep the old one after "
            "the new one (comma-separated) while rotating."
        ) from None


@dataclass(frozen=True)
class KeyPair:
    """An active key, ready to sign: its Multikey (the DID fragment) and its private PEM (decrypted, in memory)."""

    key: SigningKey
    private_pem: bytes

    @property
    def public_key_multibase(self) -> str:
        return self.key.public_key_multibase


def _new_key(organization_id: int) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(
        organization_id=organization_id,
        public_key_multibase=multikey_from_pem(public_pem),
        private_key_encrypted=encrypt_private_key(private_pem),
        created_at=timezone.now(),
    )


def signing_key_get(*, organization_id: int) -> KeyPair:
    """The organization's active key, made on first need (race-safe: the one-active constraint decides)."""
    key = SigningKey.objects.filter(organization_id=organization_id, retired_at__isnull=True).first()
    if key is None:
        try:
            with transaction.atomic():
                key = _new_key(organization_id)
                key.save()
        except IntegrityError:  # another request made it first
            key = SigningKey.objects.get(organization_id=organization_id, retired_at__isnull=True)
    return KeyPair(key, decrypt_private_key(key.private_key_encrypted))


def signing_key_rotate(*, organization_id: int) -> SigningKey:
    """Retire the active key (kept, public part still published) and make a new active one."""
    with transaction.atomic():
        now = timezone.now()
        SigningKey.objects.select_for_update().filter(organization_id=organization_id, retired_at__isnull=True).update(
            retired_at=now
        )
        key = _new_key(organization_id)
        key.save()
        # The organization's status lists are signed again, by the new key, at their next request.
        StatusList.objects.filter(organization_id=organization_id).update(signed_revision=None)
    return key


def public_keys(*, organization_id: int) -> list[SigningKey]:
    """Every key the organization ever signed with, active first (its DID document's verification methods)."""
    keys = list(SigningKey.objects.filter(organization_id=organization_id).defer("private_key_encrypted"))
    return sorted(keys, key=lambda k: (k.retired_at is not None, -(k.retired_at or k.created_at).timestamp()))

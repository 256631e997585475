"""Credentials that travel: each organization's signing keys, its Bitstring Status Lists, and each issued badge's
Open Badges 3.0 credential (its salt, its status index and, once signed, the signed document).

Only apps.credentials' services, keys and status modules write these rows.
"""

from django.db import models
from django.db.models import Q

# The Bitstring Status List specification's minimum (16 KiB): the population of a list hides among 131,072 entries.
STATUS_LIST_SIZE = 131_072


class SigningKey(models.Model):
    """An organization's Ed25519 key. One is active (``retired_at`` empty); rotation retires it and makes another.
    Retired keys stay in the organization's DID document, so credentials they signed stay verifiable.

    The private key is stored encrypted (Fernet, with settings.CREDENTIALS_KEY): never in plaintext.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="signing_keys"
    )
    # The verification method's fragment in the DID document: the key's Multikey (publicKeyMultibase).
    public_key_multibase = models.CharField(max_length=100, unique=True)
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(retired_at__isnull=True), name="signing_key_one_active"
            ),
        ]

    def __str__(self) -> str:
        state = "retired" if self.retired_at else "active"
        return f"{self.organization} key {self.public_key_multibase[:12]}… ({state})"


class StatusList(models.Model):
    """One of an organization's revocation lists: ``STATUS_LIST_SIZE`` bits, one per credential, set when the
    credential's issued badge is revoked. Indexes are handed out in order (``next_index``) and never reused.

    ``revision`` grows with every flip; the signed list (``signed_*``) is the one of ``signed_revision`` and is
    signed again when it is older than the bits, or close to its ``validUntil``.
    """

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", "Revocation"

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="status_lists"
    )
    number = models.PositiveIntegerField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.REVOCATION)
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField(editable=False)
    revision = models.PositiveIntegerField(default=0)
    signed_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    signed_document = models.JSONField(null=True, blank=True, editable=False)
    signed_jwt = models.TextField(blank=True, editable=False)
    signed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="status_list_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.purpose} list {self.number}"

    def is_set(self, index: int) -> bool:
        return bool(bytes(self.bits)[index // 8] & (0x80 >> (index % 8)))


class IssuedCredential(models.Model):
    """The Open Badges credential of one issued badge: made at its first need (the assertion, the credential or a
    baked image asked for, or signing ahead), never in the issuing transaction.

    ``salt`` hashes the recipient's e-mail (the same every time). ``status_list``/``status_index`` is its bit; a
    reinstated badge gets a new one (its old bit stays set: the credential signed before the revocation stays
    revoked) and ``revision`` grows, which drops the signed ``document`` so that it is signed again.
    """

    issued_badge = models.OneToOneField(
        "issued_badges.IssuedBadge", on_delete=models.CASCADE, related_name="credential"
    )
    salt = models.CharField(max_length=64, editable=False)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField()
    revision = models.PositiveIntegerField(default=0)
    document = models.JSONField(null=True, blank=True, editable=False, help_text="The signed OpenBadgeCredential.")
    signed_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    signing_key = models.ForeignKey(
        SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    created_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="credential_status_index_unique"),
        ]

    def __str__(self) -> str:
        return f"Credential of issued badge {self.issued_badge_id}"

    @property
    def is_signed(self) -> bool:
        return self.document is not None and self.signed_revision == self.revision

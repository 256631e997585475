"""Writes of the api app: API keys made and revoked, and awards of a badge to people named by another system."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.access import policy
from apps.accounts.models import User
from apps.issued_badges.models import IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue

from .models import ApiKey, key_digest


def api_key_create(*, organization, name: str, actor=None) -> tuple[ApiKey, str]:
    """A new key for ``organization``: the key row and the whole key, which is shown once and never stored."""
    prefix, key = ApiKey.new_secret()
    api_key = ApiKey.objects.create(
        organization=organization, name=name.strip(), prefix=prefix, digest=key_digest(key), created_by=actor
    )
    return api_key, key


def api_key_revoke(*, api_key: ApiKey, actor) -> bool:
    """Revoke a key (it answers 401 from now on); False if it was revoked already."""
    return bool(
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    )


# --- Awards: one badge to up to 50 people named by username or e-mail, a result for each -----------------------

STATUS = {
    Outcome.ISSUED: "issued",
    Outcome.ALREADY_EARNED: "already_earned",
    Outcome.REVOKED: "revoked",
    Outcome.RECIPIENT_NOT_FOUND: "unknown_recipient",
}  # every other outcome of the door: "not_allowed", with its sentence
HELD = {"issued", "already_earned", "revoked"}  # the result carries the recipient's badge
AWARDED_FIELDS = (
    "uuid", "badge_id", "recipient_id", "issued_at", "earned_at", "source", "revoked_at", "revocation_reason",
    "issued_by__username", "classroom__title", "achievement__name", "batch__evidence",
)  # fmt: skip


@dataclass(frozen=True)
class AwardResult:
    recipient: str  # as sent
    status: str
    message: str
    issued_badge: IssuedBadge | None = None


def badge_award(*, badge, names: list[str], actor, evidence: str = "", notify: bool = True) -> list[AwardResult]:
    """Issue ``badge`` through the door (source API) to each person named, never all-or-nothing: a result per
    name, in the order sent. Names are looked up among the people the actor may reach for the badge's
    organization (the access policy); anyone else is an unknown recipient, as a typo would be."""
    people = _people_named(actor, badge.organization_id, names)
    people_by_id = {person.pk: person for person in people.values() if isinstance(person, User)}
    ids = list(people_by_id)
    outcomes = {}
    if ids:
        request = IssueRequest(
            actor=actor,
            source=Source.API,
            organization=badge.organization,
            badge_ids=[badge.pk],
            recipient_ids=ids,
            evidence=evidence,
            notify="each" if notify else "",
        )
        outcomes = {outcome.recipient_id: outcome for outcome in badges_issue(request).outcomes}
    # Each recipient's badge as it now stands — just issued, earned before or revoked: one query, the badge and
    # the recipients already in hand.
    held = {}
    if outcomes:
        rows = (
            IssuedBadge.objects.filter(badge=badge, recipient__in=ids)
            .select_related("issued_by", "classroom", "achievement", "batch")
            .only(*AWARDED_FIELDS)
            .order_by()
        )
        for row in rows:
            row.badge, row.recipient = badge, people_by_id[row.recipient_id]
            held[row.recipient_id] = row
    results = []
    for name in names:
        person = people.get(name)
        if not isinstance(person, User):
            results.append(AwardResult(name, "unknown_recipient", person or f"No person “{name}” here."))
            continue
        outcome = outcomes[person.pk]
        status = STATUS.get(outcome.code, "not_allowed")
        results.append(AwardResult(name, status, outcome.message, held.get(person.pk) if status in HELD else None))
    return results


def _people_named(actor, organization_id: int, names: list[str]) -> dict[str, User | str | None]:
    """Each name's person (a username, or else an e-mail address, in any letter case), or why not: one query."""
    lowered = {name.lower() for name in names}
    found = (
        policy.reachable_people(actor, organization_id)
        .annotate(username_key=Lower("username"), email_key=Lower("email"))
        .filter(Q(username_key__in=lowered) | Q(email_key__in=lowered))
        .only("id", "username", "email", "first_name", "last_name", "organization_id")
        .order_by()
    )
    by_username, by_email = defaultdict(list), defaultdict(list)
    for person in found:
        by_username[person.username_key].append(person)
        if person.email_key:
            by_email[person.email_key].append(person)
    people: dict[str, User | str | None] = {}
    for name in names:
        key = name.lower()
        matches = by_username.get(key) or by_email.get(key) or []
        if len(matches) > 1:
            people[name] = f"“{name}” names {len(matches)} people: send the username."
        else:
            people[name] = matches[0] if matches else None
    return people

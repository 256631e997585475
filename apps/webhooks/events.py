"""The kinds of webhook event: one spec object per kind (adding one touches only this module)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    type: str  # the payload's "type", per Standard Webhooks: dot-separated, [a-z0-9_]
    label: str
    description: str
    action: str | None = None  # the issuing door's action it follows (issued_badges_changed), if any
    subscribable: bool = True  # offered to subscribe to; the test event is sent on request only
    retried: bool = True  # a failed test event is not retried: its sender is looking at the page


ISSUED = EventKind("badge.issued", "Badge issued", "A badge was issued: by hand, through the API or automatically.",
                   action="issued")  # fmt: skip
REVOKED = EventKind("badge.revoked", "Badge revoked", "An issued badge was revoked, with a reason.", action="revoked")
REINSTATED = EventKind("badge.reinstated", "Badge reinstated", "A revoked badge was reinstated.", action="reinstated")
TEST = EventKind("webhook.test", "Test event", "Sent by Send test event.", subscribable=False, retried=False)

KINDS: dict[str, EventKind] = {kind.type: kind for kind in (ISSUED, REVOKED, REINSTATED, TEST)}
SUBSCRIBABLE: dict[str, EventKind] = {type_: kind for type_, kind in KINDS.items() if kind.subscribable}
BY_ACTION: dict[str, EventKind] = {kind.action: kind for kind in KINDS.values() if kind.action}
EVENT_CHOICES = [(type_, f"{type_} — {kind.label}") for type_, kind in SUBSCRIBABLE.items()]

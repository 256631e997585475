"""Issued-badge pages, a module per page: Find Issued Badges, an issued badge, an issuance batch."""

from .batches import batch_csv, batch_detail, batch_retry
from .find import export_issued_badges, find_issued_badges
from .issued_badge import issued_badge_detail, reinstate, revoke

__all__ = [
    "batch_csv",
    "batch_detail",
    "batch_retry",
    "export_issued_badges",
    "find_issued_badges",
    "issued_badge_detail",
    "reinstate",
    "revoke",
]

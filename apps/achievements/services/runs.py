"""The evaluator's lock: the running run's row itself, holding a lease it renews while it works.

At most one EvaluationRun is ``running`` (a partial unique index): starting a run inserts that row, and a second
run started meanwhile fails to, and is recorded as skipped. The running run renews its ``heartbeat_at`` every few
seconds between achievements; a worker that is killed (SIGKILL, the machine lost) stops renewing it, and once the
heartbeat is older than the lease (``EVALUATION_LEASE`` seconds) the next run — or the sweep beat runs every
minute — marks it interrupted, and the next run may start. It redoes the interrupted run's work: the watermark
advances only when a run finishes, and what the interrupted one issued is issued already (the earned and issued
badges' unique constraints), so nothing is issued twice.

Unlike the session-level advisory lock this replaces, it holds nothing on a database connection between
statements: it works through a connection pooler in transaction mode, and survives a reconnect. A run that
finds its row no longer running (taken for dead by another, after a pause longer than the lease) stops at its
next heartbeat.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import EvaluationRun

logger = logging.getLogger(__name__)

Status = EvaluationRun.Status
INTERRUPTED = "The worker stopped before the run finished (no heartbeat for {lease:g} s); the next run redoes its work."


class LeaseLost(Exception):
    """The run's row is no longer running: another process took it for dead and marked it interrupted."""


def lease_seconds() -> float:
    return float(settings.EVALUATION_LEASE)


def heartbeat_seconds() -> float:
    """How often a running run renews its lease: a few times within it."""
    return min(5.0, lease_seconds() / 4)


def runs_interrupt_stale() -> int:
    """Mark running runs whose heartbeat is older than the lease as interrupted (finished when last seen alive);
    return how many. Idempotent; cheap (the running row is found through the status index)."""
    lease = lease_seconds()
    cutoff = timezone.now() - timedelta(seconds=lease)
    last_seen = Coalesce("heartbeat_at", "started_at")
    stale = EvaluationRun.objects.filter(status=Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    count = stale.update(status=Status.INTERRUPTED, finished_at=last_seen, error=INTERRUPTED.format(lease=lease))
    if count:
        logger.warning("evaluation: %s run(s) without a heartbeat for %s s marked interrupted", count, lease)
    return count


def run_start(*, mode: str, trigger: str, requested_by) -> EvaluationRun | None:
    """The new running run, holding the lock; None when another run holds it (its lease is alive)."""
    runs_interrupt_stale()
    now = timezone.now()
    try:
        with transaction.atomic():
            return EvaluationRun.objects.create(
                mode=mode, status=Status.RUNNING, trigger=trigger, requested_by=requested_by, started_at=now,
                heartbeat_at=now,
            )  # fmt: skip
    except IntegrityError as error:
        # The one running row is another run's (PostgreSQL names the index, SQLite the column). It may have
        # finished since: this run is skipped all the same, as it would have been a moment earlier.
        if "evaluation_run_one_running" in str(error) or "achievements_evaluationrun.status" in str(error):
            return None
        raise


class Heartbeat:
    """Renew the run's lease — at most every ``heartbeat_seconds()``, unless ``force`` — or raise LeaseLost."""

    def __init__(self, run: EvaluationRun):
        self.run = run
        self.every = heartbeat_seconds()
        self.last = time.monotonic()

    def __call__(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self.last < self.every:
            return
        if not EvaluationRun.objects.filter(pk=self.run.pk, status=Status.RUNNING).update(heartbeat_at=timezone.now()):
            raise LeaseLost(f"evaluation run {self.run.pk} is no longer running")
        self.last = time.monotonic()

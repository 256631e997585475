"""The evaluator's lock: the running run's row itself, holding a lease it renews while it works.

At most one EvaluationRun is ``running`` (a partial unique index): starting a run inserts that row, and a second
run started meanwhile fails to, and is recorded as skipped. The running run renews its ``heartbeat_at`` every few
seconds between achievements; a worker that is killed (SIGKILL, the machine lost) stops renewing it, and once the
heartbeat is older than the lease (``EVALUATION_LEASE`` seconds) the next run — or the sweep beat runs every
minute — marks it interrupted, and the next run may start. It redoes the interrupted run's work: the watermark
advances only when a run finishes, and what the interrupted one issued is issued already (the earned and issued
badges' unique constraints), so nothing is issued twice.

A run whose shards Celery workers run (``fanned_out``) is alive for longer without a heartbeat: a worker killed in the
middle of a shard leaves its message with the broker, which delivers it again once its visibility timeout has passed
(settings.CELERY_VISIBILITY_TIMEOUT) — so such a run is taken for dead only after that timeout and the lease. While a
shard runs, a thread of its process renews the lease (services/shards.py ``lease_kept``), however long its one
statement takes.

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
from django.db.models import Case, Q, Value, When
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


def fanned_out_lease_seconds() -> float:
    """How long a run whose shards Celery workers run may go without a heartbeat: a killed worker's shard comes
    back after the broker's visibility timeout."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", settings.CELERY_VISIBILITY_TIMEOUT)
    return lease_seconds() + float(visibility)


def runs_interrupt_stale() -> int:
    """Mark running runs whose heartbeat is older than their lease as interrupted (finished when last seen alive);
    return how many. Idempotent; one cheap statement (the running row is found through the status index)."""
    now = timezone.now()
    leases = {False: lease_seconds(), True: fanned_out_lease_seconds()}
    stale = Q()
    for fanned_out, lease in leases.items():
        cutoff = now - timedelta(seconds=lease)
        silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        stale |= Q(fanned_out=fanned_out) & silent
    count = EvaluationRun.objects.filter(stale, status=Status.RUNNING).update(
        status=Status.INTERRUPTED,
        finished_at=Coalesce("heartbeat_at", "started_at"),
        error=Case(
            When(fanned_out=True, then=Value(INTERRUPTED.format(lease=leases[True]))),
            default=Value(INTERRUPTED.format(lease=leases[False])),
        ),
    )
    if count:
        logger.warning("evaluation: %s run(s) silent for longer than their lease marked interrupted", count)
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

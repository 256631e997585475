"""The portal's own Prometheus metrics (django-prometheus' middlewares add the HTTP ones), the evaluation lag
computed at each scrape, and what ``/metrics`` and a worker's metrics port expose.

Several processes: gunicorn's workers and Celery's pool children each count their own. With
``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder, the same for the web and the worker on a host, emptied when
they start), prometheus_client writes every process's values there, and an exposition reads them all — the web's
``/metrics`` then shows the worker children of its host too. A worker on another host serves its own on
``CELERY_METRICS_PORT`` (``worker_metrics_serve``).
"""

import logging
import os
import time

from django.db import DatabaseError, connections, transaction
from django.db.models import BigIntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from apps.achievements.models import EvaluationRun
from apps.activity.models import ActivityRecord

logger = logging.getLogger(__name__)

# Queries a request runs: most pages run a handful; a page whose count grows with its rows stands out.
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 1000, float("inf"))
# Tasks take milliseconds (an e-mail) to minutes (a full evaluation).
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, float("inf"))

QUERIES_PER_REQUEST = Histogram(
    "portal_http_queries_per_request",
    "Database queries each request ran, by view (the URL's name).",
    ["view"],
    buckets=QUERY_BUCKETS,
)
TASK_DURATION = Histogram(
    "portal_celery_task_duration_seconds",
    "Time each Celery task took to run, by task name (whatever its outcome).",
    ["task"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter("portal_celery_task_failures", "Celery tasks that raised, by task name.", ["task"])
BADGES_ISSUED = Counter(
    "portal_badges_issued", "Badges issued (committed) through the issuing door, by source.", ["source"]
)

# --- Celery tasks (task_prerun / task_postrun / task_failure, connected in apps.py) -----------------------------

_started: dict[str, float] = {}  # task id -> perf_counter at its start, in the process that runs it


def task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()


def task_ended(task_id=None, task=None, **kwargs) -> None:
    if (started := _started.pop(task_id, None)) is not None and task is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


def task_failed(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(getattr(sender, "name", None) or "unknown").inc()


# --- Badges issued (the door's issued_badges_changed) ----------------------------------------------------------


def badges_issued(sender=None, *, action: str, sources: dict[str, int] | None = None, **kwargs) -> None:
    """Count the door's issued badges by source (the door says how many of each) once its transaction commits: a
    rolled-back issuance issued nothing."""
    if action != "issued" or not sources:
        return
    transaction.on_commit(lambda: [BADGES_ISSUED.labels(source).inc(count) for source, count in sources.items()])


# --- Evaluation lag (computed at each scrape) ------------------------------------------------------------------


def evaluation_lag_seconds() -> float:
    """Now minus when the oldest activity not yet evaluated was recorded (its id above the last completed run's
    watermark; all activity before any run has completed); 0 when there is none. One query: the run's watermark
    as a subquery, then the first activity id above it (the primary key's index, however many wait)."""
    # The run the next incremental run starts from (the evaluator's own definition: finished or partial).
    last = EvaluationRun.objects.completed().order_by("-started_at", "-pk")
    watermark = Coalesce(Subquery(last.values("watermark")[:1]), Value(0), output_field=BigIntegerField())
    oldest = (
        ActivityRecord.objects.filter(pk__gt=watermark).order_by("pk").values_list("recorded_at", flat=True).first()
    )
    return max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0


class EvaluationLagCollector:
    """``portal_evaluation_lag_seconds``, read from the database at each scrape (read only)."""

    def describe(self):
        return [GaugeMetricFamily("portal_evaluation_lag_seconds", "")]

    def collect(self):
        try:
            lag = evaluation_lag_seconds()
        except DatabaseError:  # the database is down: no value (absent), the rest of the scrape still answers
            logger.warning("evaluation lag: the database could not be read", exc_info=True)
            connections["default"].close_if_unusable_or_obsolete()
            return
        yield GaugeMetricFamily(
            "portal_evaluation_lag_seconds",
            "Seconds since the oldest activity not yet evaluated was recorded (0: none waits).",
            value=lag,
        )


# --- Exposition --------------------------------------------------------------------------------------------------


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def process_metrics():
    """What this host's processes counted: every process's files in multiprocess mode, else this process's."""
    return MultiProcessCollector(None) if multiprocess() else REGISTRY


class Scrape:
    """The collectors of one scrape, as one (``generate_latest`` takes any object with ``collect``)."""

    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def worker_metrics_serve(sender=None, **kwargs) -> None:
    """Celery's ``worker_ready`` (the worker's main process, its pool started): with ``CELERY_METRICS_PORT`` set,
    serve this host's task metrics on that port (``CELERY_METRICS_ADDRESS``, default loopback: a Prometheus on
    another host needs the address of the interface it reaches, e.g. ``0.0.0.0`` behind a firewall) — for workers
    on hosts without a web process. A prefork pool's children count in their own processes: set
    ``PROMETHEUS_MULTIPROC_DIR`` too, or only the main process's (nothing, with prefork) is served."""
    from prometheus_client import start_http_server

    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    address = os.environ.get("CELERY_METRICS_ADDRESS") or "127.0.0.1"
    start_http_server(int(port), addr=address, registry=Scrape(process_metrics()))
    logger.info("worker metrics on http://%s:%s/metrics", address, port)

"""Probes for load balancers and orchestrators; django-health-check (4.x) runs the checks.

- ``/healthz`` — liveness: this process answers HTTP. It checks nothing else — no database, no Redis — so a
  database outage never makes an orchestrator restart web processes that would work again once it is back.
- ``/readyz`` — readiness: the database answers, every migration on disk is applied to it, and Redis answers when
  one is configured (the cache, the Celery broker): send traffic here.

Both answer JSON — ``{"status": "ok", "checks": {"database": "ok", …}}`` — with 200, or 503 and ``"unavailable"``
with what failed (``?format=text`` or ``Accept: text/plain``: one line per check); never a 500 or an HTML page. No
sign-in, and nothing secret: a failure names the check and what went wrong (a refused connection, a timeout, how
many migrations wait), never a URL, a host or a password; the detail is logged on ``health_check`` (WARNING).

A load balancer probes each host by its address, over plain http: ``ProbeMiddleware``, first in MIDDLEWARE, answers
both before Django checks the Host header against ALLOWED_HOSTS (a 400 otherwise) or redirects to https (a 301) —
their answers depend on no header, and they read and write nothing of a session.
"""

import asyncio
import contextlib
import dataclasses
import datetime
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import health_check
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from health_check.base import HealthCheck
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView, MediaType
from redis.asyncio import Redis as RedisClient

REDIS_TIMEOUT = 2  # seconds to connect to Redis and for its answer
# Seconds a database check may take (the library's default: 5): a database that neither answers nor refuses — a
# connection pooler queueing the check while its server is down — makes /readyz a 503 within this, plus a second.
DATABASE_TIMEOUT = datetime.timedelta(seconds=3)


@dataclasses.dataclass
class Database(health_check.Database):
    """``SELECT 1`` on a connection of its own (the library's), saying "unreachable" instead of the driver's message,
    which names the server's host and port."""

    timeout = DATABASE_TIMEOUT

    def run(self) -> None:
        try:
            super().run()
        except ServiceUnavailable as error:
            raise ServiceUnavailable("the database cannot be reached") from error


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied: a host started with new code before ``migrate`` ran is not ready."""

    alias: str = "default"
    timeout = DATABASE_TIMEOUT

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():  # opened and closed here: checks run in a thread of their own
                executor = MigrationExecutor(connection)
                waiting = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            raise ServiceUnavailable("the database cannot be reached") from error
        if waiting:
            names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in waiting[:5])
            more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
            count = f"{len(waiting)} migration{'s' if len(waiting) > 1 else ''}"
            raise ServiceUnavailable(f"{count} not applied: {names}{more}")


def _redis(url: str) -> Redis:
    return Redis(
        client_factory=lambda: RedisClient.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
    )


def readiness_checks() -> dict[str, HealthCheck]:
    """What a web process needs to serve: the database, its migrations, and the Redis it was configured with."""
    checks: dict[str, HealthCheck] = {"database": Database(), "migrations": Migrations()}
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        checks["cache"] = health_check.Cache()  # a key set and read back through Django's cache
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks["broker"] = _redis(settings.CELERY_BROKER_URL)  # PING
    return checks


class ProbeView(HealthCheckView):
    """The library's view (async: the checks run side by side, each within its timeout), answering 200 or 503, in
    JSON or plain text, under the names ``probes`` gives the checks."""

    probes: Callable[[], dict[str, HealthCheck]] = dict

    @contextlib.contextmanager
    def get_executor(self) -> Iterator[ThreadPoolExecutor]:
        """Threads for the blocking checks that the answer does not wait for once they time out: the event loop's
        default executor is joined when the loop ends, which held a 503 back until a hung connection gave up."""
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
        try:
            yield executor
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def get(self, request, *args, **kwargs) -> HttpResponse:
        named = self.probes()
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in named.values()))
        answers = {
            name: "ok" if done.error is None else str(done.error)
            for name, done in zip(named, self.results, strict=True)
        }
        status = "ok" if all(done.error is None for done in self.results) else "unavailable"
        code = 200 if status == "ok" else 503
        if _wants_text(request):
            lines = [f"status: {status}", *(f"{name}: {answer}" for name, answer in answers.items())]
            return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=code)
        return JsonResponse({"status": status, "checks": answers}, status=code)


def _wants_text(request) -> bool:
    if request.GET.get("format") == "text":
        return True
    try:
        preferred = next(MediaType.parse_header(request.headers.get("accept") or "*/*"), None)
    except ValueError:  # an Accept header the library cannot read: JSON
        return False
    return preferred is not None and preferred.mime_type == "text/plain"


liveness = ProbeView.as_view(probes=dict)
readiness = ProbeView.as_view(probes=readiness_checks)
PROBES = {"/healthz": liveness, "/readyz": readiness}


class ProbeMiddleware:
    """Answers GET and HEAD of /healthz and /readyz ahead of the other middleware (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return async_to_sync(view)(request)

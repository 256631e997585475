"""Request id, the metrics endpoint and queries per request.

``RequestIdMiddleware`` (near the top: everything below logs with the id) takes the request's ``X-Request-ID`` when
it is a sane token (``context.SANE_REQUEST_ID``) — a proxy's or a caller's, to follow one request across systems —
or makes a new one (uuid4 hex); it is the current request id while the request runs (every log record has it, and
every Celery task it enqueues carries it) and is sent back in the response's ``X-Request-ID``.

``QueryCountMiddleware`` (right after WhiteNoise: static files run no query and are not counted) counts the
database queries of everything below it, the view and the other middlewares, and observes them in
``portal_http_queries_per_request`` by the URL's name (never the path: a bounded set of labels). A streaming
response's queries (an export) are counted until its last chunk is sent.
"""

from collections.abc import Callable
from contextlib import suppress

from django.db import connections
from django.http import HttpRequest, HttpResponse

from . import context
from .metrics import QUERIES_PER_REQUEST
from .views import PATH, exposition, metrics_allowed

UNRESOLVED = "<unnamed view>"  # django-prometheus' label for a request no URL matched (a 404, a redirect)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = context.sane_request_id(request.headers.get("X-Request-ID")) or context.new_request_id()
        request.request_id = rid
        token = context.request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class MetricsEndpointMiddleware:
    """Answers GET and HEAD of /metrics from an allowed client ahead of the Host check and the https redirect
    (views.py); any other request to it goes on to the URL's view, which answers 404 (or 405)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.path = f"/{PATH}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.path and request.method in ("GET", "HEAD") and metrics_allowed(request):
            return exposition()
        return self.get_response(request)


class _Counter:
    """A database execute wrapper that counts the statements it lets through."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, db_context):
        self.count += 1
        return execute(sql, params, many, db_context)


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        _install(counter)
        try:
            response = self.get_response(request)
        except BaseException:
            _remove(counter)
            raise
        if response.streaming and not response.is_async:
            response.streaming_content = _counted(response.streaming_content, counter, request)
        else:
            _remove(counter)
            _observe(request, counter)
        return response


def _install(counter: _Counter) -> None:
    """Count this thread's queries on every database. A counter left by a streaming response nobody read (its
    ``_counted`` never ran to its end) goes: one request at a time runs in a thread."""
    for connection in connections.all(initialized_only=False):
        wrappers = connection.execute_wrappers
        wrappers[:] = [wrapper for wrapper in wrappers if not isinstance(wrapper, _Counter)]
        wrappers.append(counter)


def _remove(counter: _Counter) -> None:
    for connection in connections.all(initialized_only=False):
        with suppress(ValueError):
            connection.execute_wrappers.remove(counter)


def _counted(chunks, counter: _Counter, request: HttpRequest):
    try:
        yield from chunks
    finally:  # the last chunk sent, or the client gone (the server closes the response)
        _remove(counter)
        _observe(request, counter)


def _observe(request: HttpRequest, counter: _Counter) -> None:
    match = getattr(request, "resolver_match", None)
    QUERIES_PER_REQUEST.labels((match and match.view_name) or UNRESOLVED).observe(counter.count)

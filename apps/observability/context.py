"""What the current request or Celery task is, for every log record written meanwhile (context variables: one
value per thread, and per task in a worker).

``request_id`` is set by RequestIdMiddleware for a request, and for a task from the ``request_id`` header its
message carries (added when it was enqueued: a task enqueued while a request or another task runs inherits its id).
"""

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)  # (task id, task name)

# An X-Request-ID taken from a client or a proxy: a token of letters, digits, dot, dash and underscore, 8 to 64 long
# (a UUID, with or without dashes, fits) — nothing that could forge a log line or bloat every record.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: object) -> str | None:
    """``value`` if it may serve as a request id, else None."""
    return value if isinstance(value, str) and SANE_REQUEST_ID.fullmatch(value) else None

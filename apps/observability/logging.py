"""Structured logs: every record carries the request id (and the task, in a Celery task); LOG_FORMAT=json prints
each as one JSON object per line.

``RequestContextFilter`` sits on the handlers (settings.LOGGING's console handler; a worker's and beat's handlers,
which Celery makes itself, through ``celery_logging_configured``), so records of every logger that reaches them
get ``request_id``, ``task_id`` and ``task_name`` attributes. ``JsonFormatter`` prints the time (UTC, ISO 8601),
level, logger, message, request_id, task_id and task_name when in a task, exc_info as the formatted traceback,
and the record's ``extra`` values that are plain data (e.g. the refusal log's ``refusal``).
"""

import json
import logging
from datetime import UTC, datetime

from . import context

# LogRecord's own attributes: what is not among them was passed as ``extra``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
    "task_name",
    # Celery's success and failure lines repeat their message's fields (and the task's arguments) in ``data``.
    "data",
}


_PLAIN = (str, int, float, bool, type(None), dict, list, tuple)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``task_id`` and ``task_name`` (None outside a request or task) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        current = context.task.get()
        record.task_id, record.task_name = current if current else (None, None)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if task_id := getattr(record, "task_id", None):
            entry["task_id"], entry["task_name"] = task_id, getattr(record, "task_name", None)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        for name, value in vars(record).items():  # extra fields of plain values (not django.request's request,
            # whose text holds the query string: a search may hold a person's name)
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_") and isinstance(value, _PLAIN):
                entry.setdefault(name, value)
        return json.dumps(entry, default=str, ensure_ascii=False)


def celery_logging_configured(sender=None, logger=None, **kwargs) -> None:
    """Celery's ``after_setup_logger`` and ``after_setup_task_logger``: a worker or beat replaces the root logger's
    handlers with its own (and gives ``celery.task`` one): they get the filter, and under LOG_FORMAT=json the
    formatter (else Celery's own text format stays)."""
    from django.conf import settings

    for handler in logger.handlers if logger else ():
        handler.addFilter(RequestContextFilter())
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())

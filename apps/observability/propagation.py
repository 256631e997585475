"""The request id carried into Celery tasks.

A task's message gets a ``request_id`` header when it is published (``before_task_publish``) during a request or a
task: the current id. Celery's protocol 2 puts a message's own headers on ``task.request``, so the task starts
(``task_prerun``) with that id as the current one — and the tasks it enqueues inherit it; a task without one
(sent by beat) gets a new id. Both are cleared when it ends (``task_postrun``). Eager tasks run inside the caller's
context and keep its id.
"""

from . import context

HEADER = "request_id"

_tokens: dict[str, tuple] = {}  # task id -> the context variables' tokens, to restore them when it ends


def add_request_id_header(sender=None, headers=None, **kwargs) -> None:
    if headers is not None and HEADER not in headers and (current := context.request_id.get()):
        headers[HEADER] = current


def task_context_set(task_id=None, task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    sent = context.sane_request_id(getattr(request, HEADER, None))
    rid = sent or context.request_id.get() or context.new_request_id()
    name = getattr(task, "name", None) or "unknown"
    _tokens[task_id] = (context.request_id.set(rid), context.task.set((task_id, name)))


def task_context_clear(task_id=None, **kwargs) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens is None:
        return
    try:
        context.task.reset(tokens[1])
        context.request_id.reset(tokens[0])
    except ValueError:  # set in another context (never in Celery's own tracer): clear rather than restore
        context.task.set(None)
        context.request_id.set(None)

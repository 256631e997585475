"""Idempotency-Key on every POST of the API (DESIGN §9): the same key and body replay the first answer with
``Idempotent-Replayed: true`` and write nothing; the same key with another body is a 422. Keys live 24 hours
per API key.

The answer is reserved before the work is done, in the same transaction: a second request with the same key
sent meanwhile waits on the reservation's unique row and then replays the first answer (PostgreSQL), and if the
work fails — a body refused by validation, a crash — the reservation goes with it, so the key stays free for the
corrected request (as payment APIs do). Answers the view returns (200, 404, 409, 422) are kept and replayed.
"""

import functools
import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotentAnswer

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
MAX_KEY = 255


def idempotent(handler):
    """Decorate an APIView's ``post``."""

    @functools.wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY:
            return Response({"detail": f"{HEADER} must be 1 to {MAX_KEY} characters."}, status=400)
        # The body as sent (read before the parser, which keeps a copy to parse).
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), request.body]))
        fingerprint = fingerprint.hexdigest()
        for _ in range(2):  # a second time only after clearing an expired answer of the same key
            try:
                return _first_answer(view, request, args, kwargs, handler, key, fingerprint)
            except _Failed as failed:  # nothing kept: the same key may be sent again
                return failed.response
            except _Taken:
                pass  # the key was used before (or just now, by a request that has committed since)
            stale = timezone.now() - LIFETIME
            if not IdempotentAnswer.objects.filter(api_key=request.auth, key=key, created_at__lt=stale).delete()[0]:
                break
        first = IdempotentAnswer.objects.filter(api_key=request.auth, key=key).first()
        if first is None or first.status is None:
            return Response({"detail": "A request with this Idempotency-Key is still running."}, status=409)
        if first.fingerprint != fingerprint:
            return Response(
                {"detail": f"This {HEADER} was used with another request: send a new key for a new request."},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return HttpResponse(
            first.body, status=first.status, content_type="application/json", headers={"Idempotent-Replayed": "true"}
        )

    return wrapped


def _first_answer(view, request, args, kwargs, handler, key, fingerprint):
    """Reserve the key, do the work and keep its answer, in one transaction (_Taken: the key is used)."""
    with transaction.atomic():
        try:
            answer = IdempotentAnswer.objects.create(
                api_key=request.auth, key=key, fingerprint=fingerprint, created_at=timezone.now()
            )
        except IntegrityError:
            raise _Taken from None
        response = handler(view, request, *args, **kwargs)
        if response.status_code >= 500:
            raise _Failed(response)
        answer.status = response.status_code
        # Kept as the JSON text sent, not as data: an answer may echo what the client sent (an item's unknown field
        # named with a NUL character), which JSON text escapes and a database's JSON type may refuse.
        answer.body = JSONRenderer().render(response.data).decode()
        answer.save(update_fields=["status", "body"])
        return response


class _Taken(Exception):
    pass


class _Failed(Exception):
    def __init__(self, response):
        self.response = response

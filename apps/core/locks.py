"""Process-wide exclusive locks for jobs that must never run twice at once.

The achievements evaluator no longer uses this: its lock is a lease on its running run's row, renewed by a
heartbeat (apps/achievements/services/runs.py), which works through a connection pooler in transaction mode and
tells a killed run from a live one. The PostgreSQL branch below holds a session-level advisory lock: behind such a
pooler it would be held by whichever client's session the server connection next serves — prefer a lock row."""

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock ``name``; False at once when someone else holds it.

    PostgreSQL: a session advisory lock, shared by every worker on every machine and released when
    the block ends or the connection dies. Elsewhere (SQLite, one machine): an exclusive lock on a
    file in VAR_DIR, released when the block ends or the process dies.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode())  # a stable 32-bit key for the name
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    with open(settings.VAR_DIR / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

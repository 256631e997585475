"""Shared set-up for benchmarks: Django on a fresh PostgreSQL database, timing helpers."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_portal.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402


def fresh_database() -> str:
    """Create and migrate a throw-away database; the connection now points at it."""
    if connection.vendor != "postgresql":
        sys.exit("Benchmarks run on PostgreSQL: use ./scripts/run-bench.sh (it starts one).")
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def drop_database(old_name: str) -> None:
    connection.creation.destroy_test_db(old_name, verbosity=0)


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values) -> float:
    return statistics.median(values)

"""Pooler-safe (issue 16 item 2): everything works behind PgBouncer in transaction mode, where each transaction of a
connection may run on another server connection. Nothing in the code holds server state past a transaction — no
session-level advisory lock, no LISTEN, no session SET, no temporary table, no server-side prepared statement — and
QuerySet.iterator()'s server-side cursors are off with DATABASE_POOLER=transaction. scripts/run-tests.sh runs the
evaluation, issuance and real-worker tests (and this file) through a real PgBouncer; the last test here proves it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.organizations.models import Organization
from apps.organizations.tests.factories import OrganizationFactory

ROOT = Path(__file__).resolve().parent.parent
# Session state a pooler in transaction mode would leave on a server connection for whichever client comes next.
SESSION_STATE = re.compile(
    r"(?i:pg_(try_)?advisory_(un)?lock(_shared)?\s*\()"  # the transaction-level pg_advisory_xact_lock is fine
    r"|\b(UN)?LISTEN\s+\S|\bCREATE\s+(TEMP|TEMPORARY)\s+TABLE\b|\bPREPARE\s+\w+\s+AS\b|\bWITH\s+HOLD\b"
    r"|(^|[\"';]\s*)SET\s+(SESSION\s+)?(?!LOCAL\b|CONSTRAINTS\b|TRANSACTION\b)\w+\s*(=|TO\b)"  # not SET LOCAL
)


def _sources():
    for path in sorted((ROOT / "apps").rglob("*.py")) + sorted((ROOT / "badges_portal").rglob("*.py")):
        if "tests" not in path.parts:
            yield path


def test_the_code_leaves_no_session_state_on_a_server_connection():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SESSION_STATE.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == [], "session-level state breaks behind a pooler in transaction mode:\n" + "\n".join(found)


def test_the_pattern_finds_what_it_is_for():
    caught = ["SELECT pg_try_advisory_lock(%s)", "select pg_advisory_unlock(1)", "LISTEN events", "UNLISTEN *",
              "CREATE TEMP TABLE t (id int)", "SET search_path TO x", "SET SESSION statement_timeout = 0",
              "DECLARE c CURSOR WITH HOLD FOR", "PREPARE q AS SELECT 1"]  # fmt: skip
    allowed = ["SELECT pg_advisory_xact_lock(%s)", "SET LOCAL statement_timeout = 0", "SET CONSTRAINTS ALL DEFERRED",
               "UPDATE t SET status = 'done'", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"]  # fmt: skip
    assert [text for text in caught if not SESSION_STATE.search(text)] == []
    assert [text for text in allowed if SESSION_STATE.search(text)] == []


@pytest.mark.skipif(settings.DATABASE_POOLER != "transaction", reason="the run through PgBouncer (run-tests.sh)")
@pytest.mark.django_db(transaction=True)
def test_through_pgbouncer_in_transaction_mode():
    """This run's connections go through a pooler (the server answers on another port than the one connected to),
    iterator() reads without a server-side cursor, and consecutive transactions work whichever server connection
    each gets."""
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        [(server_port,)] = cursor.fetchall()
    assert server_port != int(connection.settings_dict["PORT"])
    names = {OrganizationFactory().name for _ in range(5)}
    read = set()
    for organization in Organization.objects.filter(name__in=names).iterator(chunk_size=2):
        with transaction.atomic():  # a transaction between two chunks: maybe another server connection
            Organization.objects.filter(pk=organization.pk).update(name=organization.name + " (read)")
        read.add(organization.name)
    assert read == names
    assert set(Organization.objects.filter(name__endswith=" (read)").values_list("name", flat=True)) == {
        f"{name} (read)" for name in names
    }

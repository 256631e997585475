"""Trigram indexes for "name, username or e-mail contains …" searches, on PostgreSQL only.

Django's icontains is ``UPPER(column) LIKE UPPER('%…%')``: a GIN trigram index on
UPPER(column) serves it. Other databases (SQLite, the embedded default) skip this.
"""

from django.db import migrations

COLUMNS = ["username", "first_name", "last_name", "email"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS accounts_user_{column}_trgm "
            f"ON accounts_user USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS accounts_user_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

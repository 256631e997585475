"""A migration on disk that no database has applied: tests/test_health.py points an app without migrations here
(settings.MIGRATION_MODULES) to show /readyz a host whose code is newer than its database, without changing it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []
    operations = []

"""ActivityRecord now belongs to apps.activity (its 0001 takes it over): removed from this app's state only;
the table achievements_activityrecord and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0003_activity_history_index"),
        ("activity", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ActivityRecord")],
            database_operations=[],
        ),
    ]

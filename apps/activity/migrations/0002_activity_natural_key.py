"""An activity record is unique by its natural key (user, kind, target, occurred_at): the same thing done at the
same moment, imported or recorded twice, counted its points twice in points_reached. Existing exact duplicates
are removed first, keeping the first recorded (lowest id) of each — its points are the ones that stay."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models
from django.db.models import Min

NATURAL_KEY = ("user", "kind", "course", "lab", "learning_path", "occurred_at")


def keep_one_of_each(apps, schema_editor):
    """One statement: delete every record that is not the first of its key (GROUP BY treats NULLs as equal)."""
    records = apps.get_model("activity", "ActivityRecord").objects
    first = records.order_by().values(*NATURAL_KEY).annotate(first=Min("pk")).values("first")
    records.exclude(pk__in=first).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0001_initial"),
        ("courses", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_one_of_each, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="activityrecord",
            constraint=models.UniqueConstraint(
                models.F("user"),
                models.F("kind"),
                django.db.models.functions.comparison.Coalesce(
                    models.F("course"), models.Value(0), output_field=models.BigIntegerField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    models.F("lab"), models.Value(0), output_field=models.BigIntegerField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    models.F("learning_path"), models.Value(0), output_field=models.BigIntegerField()
                ),
                models.F("occurred_at"),
                name="activity_natural_key",
                violation_error_message="This activity is already recorded: same student, activity, target and time.",
            ),
        ),
    ]

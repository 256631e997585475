"""An activity record is unique by its natural key (user, kind, target, occurred_at, and an award's points): the
same activity imported or recorded twice counted its points twice in points_reached. Existing duplicates are
removed first, keeping the first recorded (lowest id) of each."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce


def keep_one_of_each(apps, schema_editor):
    """One statement: delete every record that an earlier identical one precedes (a correlated EXISTS on the
    user's records, which the user index serves; NOT IN over a grouped subquery would be quadratic in size)."""
    records = apps.get_model("activity", "ActivityRecord").objects

    earlier = records.filter(
        user=OuterRef("user"), kind=OuterRef("kind"), occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk")
    ).filter(Q(points=OuterRef("points")) | ~Q(kind="points"))  # an award of points: the same amount too
    for column in ("course", "lab", "learning_path"):  # NULL targets compare equal, as in the constraint
        key = f"{column}_key"
        earlier = earlier.alias(**{key: Coalesce(column, Value(0))}).filter(
            **{key: Coalesce(OuterRef(column), Value(0))}
        )
    records.filter(Exists(earlier)).delete()


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
                models.Case(
                    models.When(kind="points", then=models.F("points")),
                    default=models.Value(0),
                    output_field=models.BigIntegerField(),
                ),
                models.F("occurred_at"),
                name="activity_natural_key",
                violation_error_message="This activity is already recorded: same student, activity, target and time.",
            ),
        ),
    ]

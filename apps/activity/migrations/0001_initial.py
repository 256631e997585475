"""ActivityRecord moves here from apps.achievements: its table, data, indexes and constraint stay as they are
(only Django's state changes; achievements 0004 removes it from that app's state). The admin's content type
follows it, so permissions and admin history carry over."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor, old="achievements", new="activity"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.filter(model="activityrecord")
    if not content_types.filter(app_label=new).exists():
        content_types.filter(app_label=old).update(app_label=new)


def _move_content_type_back(apps, schema_editor):
    _move_content_type(apps, schema_editor, old="activity", new="achievements")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("achievements", "0003_activity_history_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ActivityRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("lab_launched", "Lab launched"),
                                    ("lab_completed", "Lab completed"),
                                    ("course_completed", "Course completed"),
                                    ("exam_passed", "Learning path exam passed"),
                                    ("points", "Points awarded"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("points", models.PositiveIntegerField(default=0)),
                        ("occurred_at", models.DateTimeField()),
                        ("recorded_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="activity_records",
                                to="courses.course",
                            ),
                        ),
                        (
                            "lab",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="activity_records",
                                to="courses.lab",
                            ),
                        ),
                        (
                            "learning_path",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="activity_records",
                                to="courses.learningpath",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="activity_records",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "achievements_activityrecord",
                        "ordering": ["-occurred_at"],
                        "indexes": [
                            models.Index(fields=["kind", "lab", "user"], name="activity_kind_lab_user"),
                            models.Index(fields=["kind", "course", "user"], name="activity_kind_course_user"),
                            models.Index(fields=["kind", "learning_path", "user"], name="activity_kind_path_user"),
                            models.Index(
                                fields=["user", "occurred_at", "id"], include=("points",), name="activity_user_history"
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind__in", ["lab_launched", "lab_completed"]), ("lab__isnull", False)),
                                    models.Q(("course__isnull", False), ("kind", "course_completed")),
                                    models.Q(("kind", "exam_passed"), ("learning_path__isnull", False)),
                                    ("kind", "points"),
                                    _connector="OR",
                                ),
                                name="activity_target_matches_kind",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type, _move_content_type_back, elidable=True),
    ]

from django.db import migrations, models


def interrupt_the_stuck(apps, schema_editor):
    """Runs left "running" by a worker killed before this migration: every one but the newest is certainly dead
    (the advisory lock kept two from running at once). The newest keeps its status; with no heartbeat yet, the
    next run judges it by when it started."""
    EvaluationRun = apps.get_model("achievements", "EvaluationRun")
    running = EvaluationRun.objects.filter(status="running").order_by("-started_at", "-pk")
    newest = running.values_list("pk", flat=True).first()
    running.exclude(pk=newest).update(
        status="interrupted", error="The worker stopped before the run finished (found after an upgrade)."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0005_evaluation_request"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluationrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="evaluationrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("finished", "Finished"),
                    ("skipped", "Skipped (another run was in progress)"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted (the worker stopped; the next run redoes its work)"),
                ],
                default="running",
                max_length=12,
            ),
        ),
        migrations.RunPython(interrupt_the_stuck, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="evaluationrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")), fields=("status",), name="evaluation_run_one_running"
            ),
        ),
    ]

"""App configuration for observability: Prometheus metrics, the request id, structured logs (README: Observability).

ready() connects the receivers: the issuing door's ``issued_badges_changed`` (badges issued per source), Celery's
task signals (durations, failures, the request id carried into tasks), its logging set-up (the request id filter
and the JSON format on a worker's and beat's handlers) and ``worker_ready`` (a worker's metrics port).
"""

from django.apps import AppConfig
from django.core import checks


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from celery import signals

        from apps.issued_badges.signals import issued_badges_changed

        from . import logging, metrics, propagation

        issued_badges_changed.connect(metrics.badges_issued, dispatch_uid="observability.badges_issued")
        signals.before_task_publish.connect(propagation.add_request_id_header, dispatch_uid="observability.publish")
        # The request id first: the task's own log records (and metrics) are made in its context.
        signals.task_prerun.connect(propagation.task_context_set, dispatch_uid="observability.context_set")
        signals.task_prerun.connect(metrics.task_started, dispatch_uid="observability.task_started")
        signals.task_postrun.connect(metrics.task_ended, dispatch_uid="observability.task_ended")
        signals.task_postrun.connect(propagation.task_context_clear, dispatch_uid="observability.context_clear")
        signals.task_failure.connect(metrics.task_failed, dispatch_uid="observability.task_failed")
        signals.after_setup_logger.connect(logging.celery_logging_configured, dispatch_uid="observability.logger")
        signals.after_setup_task_logger.connect(
            logging.celery_logging_configured, dispatch_uid="observability.task_logger"
        )
        signals.worker_ready.connect(metrics.worker_metrics_serve, dispatch_uid="observability.worker_metrics")
        checks.register(check_metrics_settings)


def check_metrics_settings(app_configs=None, **kwargs) -> list:
    """METRICS_ALLOWED_NETWORKS must be networks (a typo would otherwise be a 500 at every scrape)."""
    from django.conf import settings

    from .views import allowed_networks

    try:
        allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    except ValueError as error:
        return [checks.Error(f"METRICS_ALLOWED_NETWORKS: {error}", id="observability.E001")]
    return []

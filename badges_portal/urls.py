"""Root URL configuration."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from apps.api.errors import api_aware, bad_request
from apps.core.health import liveness, readiness
from apps.core.media import media
from apps.observability.views import PATH as METRICS_PATH
from apps.observability.views import metrics

urlpatterns = [
    path("", include("apps.home.urls")),
    path("", include("apps.issued_badges.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.people.urls")),
    path("", include("apps.api.urls")),
    path("", include("apps.credentials.urls")),
    path("classes/", include("apps.classes.urls")),
    path("badges/", include("apps.badges.urls")),
    path("assignments/", include("apps.assignments.urls")),
    path("achievements/activity/", include("apps.activity.urls")),
    path("achievements/", include("apps.achievements.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("settings/webhooks/", include("apps.webhooks.urls")),
    path("admin/", admin.site.urls),
    path("healthz", liveness, name="healthz"),  # liveness and readiness probes: apps/core/health.py
    path("readyz", readiness, name="readyz"),
    path(METRICS_PATH, metrics, name="metrics"),  # Prometheus; configured networks or token only, else 404
]

# Under /api/, a request Django cannot read, a path no view answers and a crash answer JSON too.
handler400 = bad_request
handler404 = api_aware(defaults.page_not_found, 404, "Not found.")
handler500 = api_aware(defaults.server_error, 500, "The server failed; the error is logged.")

if settings.SERVE_MEDIA:  # no web server in front: the portal serves badge images itself, sandboxed
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media, name="media")]

"""The API keys page, the OpenAPI schema and its docs, and the REST API under /api/v1/."""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import endpoints, views

app_name = "api"
public = {"authentication_classes": [], "permission_classes": [AllowAny]}  # the documentation, for anyone

urlpatterns = [
    path("settings/api-keys/", views.api_keys, name="keys"),
    path("settings/api-keys/<id:pk>/revoke/", views.api_key_revoke_view, name="key_revoke"),
    path("api/schema/", SpectacularAPIView.as_view(**public), name="schema"),
    # Swagger UI sets inline styles as it draws: its page alone may (its script is still a file, not inline).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", **public)
        ),
        name="docs",
    ),
    path("api/v1/badges/", endpoints.BadgeList.as_view(), name="badges"),
    path("api/v1/badges/<int:pk>/awards/", endpoints.BadgeAwards.as_view(), name="awards"),
    path("api/v1/issued-badges/", endpoints.IssuedBadgeList.as_view(), name="issued_badges"),
    path("api/v1/issued-badges/<uuid:uuid>/", endpoints.IssuedBadgeDetail.as_view(), name="issued_badge"),
    path("api/v1/issued-badges/<uuid:uuid>/revoke/", endpoints.IssuedBadgeRevoke.as_view(), name="revoke"),
    path("api/v1/issued-badges/<uuid:uuid>/reinstate/", endpoints.IssuedBadgeReinstate.as_view(), name="reinstate"),
    path("api/v1/activities/", endpoints.Activities.as_view(), name="activities"),
    path("api/v1/webhooks/", endpoints.Webhooks.as_view(), name="webhooks"),
    path("api/v1/webhooks/<int:pk>/", endpoints.WebhookDetail.as_view(), name="webhook"),
]

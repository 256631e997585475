"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.home.urls")),
    path("", include("apps.issued_badges.urls")),
    path("", include("apps.people.urls")),
    path("classes/", include("apps.classes.urls")),
    path("badges/", include("apps.badges.urls")),
    path("assignments/", include("apps.assignments.urls")),
    path("achievements/activity/", include("apps.activity.urls")),
    path("achievements/", include("apps.achievements.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

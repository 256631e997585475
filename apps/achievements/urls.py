"""URLs of the achievement pages."""

from django.urls import include, path

app_name = "achievements"
urlpatterns = [
    path("activity/", include("apps.achievements.urls_activity")),
]

"""URLs of the activity pages (record, import, list); included by apps.achievements.urls."""

from django.urls import path

from . import views_activity

urlpatterns = [
    path("", views_activity.activity_list, name="activity_list"),
    path("new/", views_activity.activity_create, name="activity_create"),
    path("import/", views_activity.activity_import, name="activity_import"),
]

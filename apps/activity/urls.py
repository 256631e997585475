"""URLs of the activity pages (record, import, list), served under /achievements/activity/."""

from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("import/", views.activity_import, name="import"),
]

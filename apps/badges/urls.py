"""URLs of the badge pages."""

from django.urls import path

from . import views

app_name = "badges"
urlpatterns = [
    path("", views.badge_list_view, name="list"),
]

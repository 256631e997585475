"""URLs of the issued-badge pages."""

from django.urls import path

from . import views

app_name = "issued_badges"
urlpatterns = [
    path("me/badges/", views.my_badges, name="my_badges"),
]

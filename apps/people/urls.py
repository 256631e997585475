"""URLs of a person's pages."""

from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("people/", views.people, name="list"),
    path("me/badges/", views.my_badges, name="my_badges"),
    path("users/<id:pk>/", views.profile, name="profile"),
    path("users/<id:pk>/unlock/", views.unlock, name="unlock"),
    path("users/<id:pk>/badges/", views.user_badges, name="user_badges"),
]

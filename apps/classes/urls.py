"""URLs of the class pages."""

from django.urls import path

from . import views

app_name = "classes"
urlpatterns = [
    path("", views.classroom_list_view, name="list"),
]

"""URLs of the course assignment pages."""

from django.urls import path

from . import views

app_name = "assignments"
urlpatterns = [
    path("", views.assignment_list_view, name="list"),
    path("new/", views.assignment_create, name="create"),
    path("<id:pk>/", views.assignment_detail, name="detail"),
    path("<id:pk>/choose-badge/", views.choose_badge, name="choose_badge"),
    path("<id:pk>/issue/", views.assignment_issue, name="issue"),
]

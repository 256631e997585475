"""URLs of the badge pages."""

from django.urls import path

from . import views

app_name = "badges"
urlpatterns = [
    path("", views.badge_list_view, name="list"),
    path("new/", views.badge_create_view, name="create"),
    path("<id:pk>/", views.badge_detail, name="detail"),
    path("<id:pk>/edit/", views.badge_edit, name="edit"),
    path("<id:pk>/award/", views.badge_award, name="award"),
]

"""URLs of the achievement pages."""

from django.urls import path

from . import views

app_name = "achievements"
urlpatterns = [
    path("", views.achievement_list_view, name="list"),
    path("new/", views.achievement_create_view, name="create"),
    path("evaluate/", views.evaluate_now, name="evaluate"),
    path("evaluations/", views.evaluations_view, name="evaluations"),
    path("<id:pk>/", views.achievement_detail, name="detail"),
    path("<id:pk>/edit/", views.achievement_edit, name="edit"),
    path("<id:pk>/activate/", views.achievement_activate, name="activate"),
    path("<id:pk>/deactivate/", views.achievement_deactivate, name="deactivate"),
]

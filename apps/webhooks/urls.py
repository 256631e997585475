"""URLs of the webhook pages, under the organization's settings (/settings/webhooks/)."""

from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<id:pk>/", views.webhook_detail, name="detail"),
    path("<id:pk>/test/", views.webhook_test, name="test"),
    path("<id:pk>/disable/", views.webhook_disable, name="disable"),
    path("<id:pk>/enable/", views.webhook_enable, name="enable"),
    path("<id:pk>/delete/", views.webhook_delete_view, name="delete"),
]

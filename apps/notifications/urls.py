"""URLs of badge e-mails."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("issued-badges/<id:pk>/email/resend/", views.resend, name="resend"),
]

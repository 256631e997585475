"""URLs of the issued-badge pages."""

from django.urls import path

from . import views

app_name = "issued_badges"
urlpatterns = [
    path("me/badges/", views.my_badges, name="my_badges"),
    path("issued-badges/batches/<uuid:batch_uuid>/", views.batch_detail, name="batch"),
    path("issued-badges/batches/<uuid:batch_uuid>/retry/", views.batch_retry, name="batch_retry"),
    path("issued-badges/batches/<uuid:batch_uuid>/csv/", views.batch_csv, name="batch_csv"),
]

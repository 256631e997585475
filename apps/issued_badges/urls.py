"""URLs of the issued-badge pages."""

from django.urls import path

from . import views

app_name = "issued_badges"
urlpatterns = [
    path("issued-badges/", views.find_issued_badges, name="find"),
    path("issued-badges/export.csv", views.export_issued_badges, name="export"),
    path("issued-badges/<id:pk>/", views.issued_badge_detail, name="detail"),
    path("issued-badges/revoke/", views.revoke, name="revoke"),
    path("issued-badges/reinstate/", views.reinstate, name="reinstate"),
    path("issued-badges/batches/<uuid:batch_uuid>/", views.batch_detail, name="batch"),
    path("issued-badges/batches/<uuid:batch_uuid>/retry/", views.batch_retry, name="batch_retry"),
    path("issued-badges/batches/<uuid:batch_uuid>/csv/", views.batch_csv, name="batch_csv"),
]

"""URLs of credentials (DESIGN §10): public documents and pages, and the administrators' self-test."""

from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("verify/<uuid:uuid>/", views.verify, name="verify"),
    path("verify/<uuid:uuid>/signature.png", views.signature_image, name="signature"),
    path("verify/<uuid:uuid>/badge.png", views.baked_image, {"extension": "png"}, name="baked_png"),
    path("verify/<uuid:uuid>/badge.svg", views.baked_image, {"extension": "svg"}, name="baked_svg"),
    path("openbadges/assertions/<uuid:uuid>", views.ob2_assertion, name="ob2_assertion"),
    path("openbadges/badges/<int:badge_id>", views.ob2_badge, name="ob2_badge"),
    path("openbadges/badges/<int:badge_id>/image", views.badge_image, name="badge_image"),
    path("openbadges/issuers/<slug:slug>", views.ob2_issuer, name="ob2_issuer"),
    path("openbadges/credentials/<uuid:uuid>.json", views.ob3_credential, name="ob3_credential"),
    path("openbadges/status/<slug:slug>/<int:number>", views.status_list, name="status_list"),
    path("organizations/<slug:slug>/did.json", views.did_document, name="did"),
    # Administrators of the badge's organization: the interoperability self-test (POST, renders the results).
    path("badges/<int:pk>/credentials-check/", views.self_test, name="self_test"),
]

"""Public pages and documents of credentials (no sign-in): the verification page, Open Badges 2.0 and 3.0
documents, the DID document, status lists and badge images. Unknown ids are 404; revoked badges 410 where a
document would otherwise vouch for them. And the interoperability self-test of a badge, for the administrators
of its organization (404 to anyone else)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from apps.badges.models import Badge
from apps.organizations.models import Organization

from . import documents, identifiers, images, share
from .keys import public_keys, signing_available, signing_key_get
from .models import StatusList
from .selectors import issued_badge_public
from .selftest import badge_self_test
from .services import credential_ensure, credential_signed
from .status import status_list_signed

JSON_LD = "application/ld+json"
VC_JSON_LD = "application/vc+ld+json"
VC_JWT = "application/vc+jwt"
DOCUMENT_MAX_AGE = 300  # seconds a verifier or a cache keeps a public document (a revocation shows within them)


def _json(document: dict, *, status: int = 200, content_type: str = JSON_LD, max_age: int = DOCUMENT_MAX_AGE):
    response = JsonResponse(document, status=status, content_type=content_type, json_dumps_params={"indent": 2})
    return _public(response, max_age)


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    """Any site may read these documents (web verifiers run in browsers); caches keep them ``max_age`` seconds."""
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _signing_unavailable() -> HttpResponse:
    """This portal has no CREDENTIALS_KEY: it cannot sign (the operator is told at `manage.py check --deploy`)."""
    response = JsonResponse(
        {"detail": "Signed Open Badges 3.0 credentials are not available on this portal yet (CREDENTIALS_KEY)."},
        status=503,
    )
    response["Retry-After"] = "3600"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", JSON_LD, "application/json"]) != "text/html"


# --- The verification page ---------------------------------------------------------------------------------------


@require_safe
def verify(request: HttpRequest, uuid) -> HttpResponse:
    """The public verification page; ``Accept: application/ld+json`` (or JSON) answers the OB 2.0 assertion."""
    issued = issued_badge_public(uuid)
    if _wants_json(request):
        response = _assertion_response(issued)
        patch_vary_headers(response, ["Accept"])
        return response
    response = render(
        request,
        "credentials/verify.html",
        {
            "issued": issued,
            "badge": issued.badge,
            "organization": issued.badge.organization,
            "page_url": identifiers.verify_page(issued.uuid),
            "image_url": share.signature_image_url(issued),
            "og_image_url": identifiers.badge_image(issued.badge_id),
            "evidence": (evidence := documents.evidence_of(issued)),
            "evidence_is_url": documents.is_url(evidence),
            "issuer_did": identifiers.did_web(issued.badge.organization.slug),
            "signing_available": signing_available(),
            "linkedin_url": share.linkedin_add_url(issued),
            "signature_html": share.email_signature_html(issued),
        },
    )
    patch_vary_headers(response, ["Accept"])
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
def signature_image(request: HttpRequest, uuid) -> HttpResponse:
    """The e-mail signature's image: the badge while valid, a "REVOKED" image once revoked."""
    issued = issued_badge_public(uuid)
    data = images.signature_png(issued.badge, revoked=issued.is_revoked)
    return _public(HttpResponse(data, content_type="image/png"), DOCUMENT_MAX_AGE)


@require_safe
def baked_image(request: HttpRequest, uuid, extension: str) -> HttpResponse:
    """The badge image baked with its credential: OB 3.0 (signed OpenBadgeCredential) by default, OB 2.0 (hosted
    assertion) with ``?version=2``. A revoked badge's download is refused: 410 and a page that says why."""
    issued = issued_badge_public(uuid)
    if issued.is_revoked:
        return render(request, "credentials/revoked_download.html", {"issued": issued}, status=410)
    if request.GET.get("version") != "2" and not signing_available():
        return _signing_unavailable()
    art = images.BadgeArt.of(issued.badge)
    if request.GET.get("version") == "2":
        credential = credential_ensure(issued)
        if credential is None:  # revoked since the page was read
            return render(request, "credentials/revoked_download.html", {"issued": issued}, status=410)
        if extension == "png":
            assertion = documents.ob2_assertion(issued, salt=credential.salt)
            data = images.bake_png_ob2(images.badge_png(issued.badge, art), json.dumps(assertion))
        else:
            data = images.bake_svg_ob2(images.badge_svg(issued.badge, art), identifiers.assertion(issued.uuid))
        suffix = "-ob2"
    else:
        signed = credential_signed(issued)
        if signed is None:
            return render(request, "credentials/revoked_download.html", {"issued": issued}, status=410)
        text = json.dumps(signed, sort_keys=True)
        if extension == "png":
            data = images.bake_png_ob3(images.badge_png(issued.badge, art), text)
        else:
            data = images.bake_svg_ob3(images.badge_svg(issued.badge, art), text)
        suffix = ""
    content_type = "image/png" if extension == "png" else "image/svg+xml"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(issued.badge.name)}{suffix}.{extension}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- Open Badges 2.0 ---------------------------------------------------------------------------------------------


def _assertion_response(issued) -> HttpResponse:
    if issued.is_revoked:
        return _json(documents.ob2_revoked(issued), status=410)
    credential = credential_ensure(issued)
    if credential is None:
        return _json(documents.ob2_revoked(issued), status=410)
    return _json(documents.ob2_assertion(issued, salt=credential.salt))


@require_safe
def ob2_assertion(request: HttpRequest, uuid) -> HttpResponse:
    return _assertion_response(issued_badge_public(uuid))


@require_safe
def ob2_badge(request: HttpRequest, badge_id: int) -> HttpResponse:
    badge = get_object_or_404(Badge.objects.select_related("organization"), pk=badge_id)
    return _json(documents.ob2_badge_class(badge))


@require_safe
def ob2_issuer(request: HttpRequest, slug: str) -> HttpResponse:
    return _json(documents.ob2_issuer(get_object_or_404(Organization, slug=slug)))


@require_safe
def badge_image(request: HttpRequest, badge_id: int) -> HttpResponse:
    """A badge's image as the documents name it: its own PNG or JPEG, or a drawn PNG (none, or an SVG)."""
    badge = get_object_or_404(Badge, pk=badge_id)
    art = images.BadgeArt.of(badge)
    if art.kind == "jpeg":
        return _public(HttpResponse(art.data, content_type="image/jpeg"), DOCUMENT_MAX_AGE)
    return _public(HttpResponse(images.badge_png(badge, art), content_type="image/png"), DOCUMENT_MAX_AGE)


# --- Open Badges 3.0, did:web, status lists ------------------------------------------------------------------------


@require_safe
def ob3_credential(request: HttpRequest, uuid) -> HttpResponse:
    """The signed OpenBadgeCredential (signed at its first request, then stored); 410 once revoked."""
    issued = issued_badge_public(uuid)
    if not issued.is_revoked and not signing_available():
        return _signing_unavailable()
    signed = credential_signed(issued)
    if signed is None:
        gone = {
            "id": identifiers.credential(issued.uuid),
            "revoked": True,
            "revocationReason": issued.revocation_reason,
        }
        return _json(gone, status=410, content_type="application/json")
    response = _json(signed, content_type=VC_JSON_LD)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{slugify(issued.badge.name)}.json"'
    return response


@require_safe
def did_document(request: HttpRequest, slug: str) -> HttpResponse:
    """The organization's DID document (did:web): every key it ever signed with, as Multikey verification methods,
    the active one first. An organization without a key yet gets one (its first need)."""
    organization = get_object_or_404(Organization, slug=slug)
    keys = public_keys(organization_id=organization.pk)
    if not keys and signing_available():
        signing_key_get(organization_id=organization.pk)
        keys = public_keys(organization_id=organization.pk)
    did = identifiers.did_web(organization.slug)
    methods = [
        {
            "id": f"{did}#{key.public_key_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
    if methods:
        document["authentication"] = [methods[0]["id"]]
    return _json(document, content_type="application/did+ld+json")


@require_safe
def status_list(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An organization's Bitstring Status List credential (revocation): JSON-LD with a Data Integrity proof, or
    the same list as a VC-JWT to a client that asks for ``application/vc+jwt`` or sends no Accept at all."""
    found = StatusList.objects.select_related("organization").filter(organization__slug=slug, number=number).first()
    if found is None:
        raise Http404("No such status list.")
    if not signing_available():
        return _signing_unavailable()
    signed = status_list_signed(found)
    accept = request.headers.get("Accept")
    preferred = request.get_preferred_type([VC_JSON_LD, JSON_LD, "application/json", VC_JWT, "application/jwt"])
    if not accept or preferred in {VC_JWT, "application/jwt"}:
        response = _public(HttpResponse(signed.signed_jwt, content_type=VC_JWT), DOCUMENT_MAX_AGE)
    else:
        response = _json(signed.signed_document, content_type=VC_JSON_LD)
    patch_vary_headers(response, ["Accept"])
    return response


# --- Interoperability self-test (administrators) -------------------------------------------------------------------


@login_required
@require_POST
def self_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Build a sample credential of the badge and check it (selftest.badge_self_test); the results page. A POST:
    it signs and may make the organization's key or status list at their first need."""
    badge = get_object_or_404(Badge.objects.administered_by(request.user).select_related("organization"), pk=pk)
    checks = badge_self_test(badge)
    failed = sum(not check.passed for check in checks)
    response = render(request, "credentials/self_test.html", {"badge": badge, "checks": checks, "failed": failed})
    patch_cache_control(response, private=True, no_store=True)
    return response

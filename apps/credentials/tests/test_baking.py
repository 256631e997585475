"""Baked images: the badge PNG and SVG carry the signed credential (OB 3.0) or the hosted assertion (OB 2.0) per
the baking specification, unbaking gives it back, and a revoked badge's download is refused."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openbadgeslib.ob3 import OB3LdpVerifier
from PIL import Image

from apps.credentials import images
from apps.issued_badges.services import issued_badges_revoke

from .conftest import BASE_URL


def _png(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 90, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>'


@pytest.fixture
def with_image(world):
    def _set(data: bytes, name: str):
        world.alpha.badge.image.save(name, ContentFile(data), save=True)

    return _set


@pytest.mark.parametrize("source", ["none", "png", "jpeg", "svg"])
def test_the_baked_png_and_svg_unbake_to_the_served_credential(client, issue, fetch, with_image, source):
    if source != "none":
        with_image({"png": _png(), "jpeg": _jpeg(), "svg": SVG}[source], f"badge.{source}")
    issued = issue()
    served = client.get(reverse("credentials:ob3_credential", args=[issued.uuid])).json()

    png = client.get(reverse("credentials:baked_png", args=[issued.uuid]))
    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert png["Content-Disposition"].startswith("attachment;")
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    assert json.loads(images.unbake_png(png.content)) == served

    svg = client.get(reverse("credentials:baked_svg", args=[issued.uuid]))
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert b"<openbadges:credential" in svg.content
    assert json.loads(images.unbake_svg(svg.content)) == served

    OB3LdpVerifier().verify(images.unbake_png(png.content), download=fetch)  # it travels: verifiable offline


def test_the_ob2_baked_png_and_svg_carry_the_hosted_assertion(client, issue):
    issued = issue()
    assertion = client.get(reverse("credentials:ob2_assertion", args=[issued.uuid])).json()
    png = client.get(reverse("credentials:baked_png", args=[issued.uuid]) + "?version=2")
    assert json.loads(images.unbake_png(png.content, ob2=True)) == assertion
    assert images.unbake_png(png.content) is None  # not an OB 3.0 carrier
    svg = client.get(reverse("credentials:baked_svg", args=[issued.uuid]) + "?version=2")
    assert images.unbake_svg(svg.content, ob2=True) == f"{BASE_URL}/openbadges/assertions/{issued.uuid}"


def test_a_revoked_badges_download_is_refused(client, world, issue):
    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    for name in ("credentials:baked_png", "credentials:baked_svg"):
        response = client.get(reverse(name, args=[issued.uuid]))
        assert response.status_code == 410
        assert response["Content-Type"].startswith("text/html")
        assert "This badge was revoked: it cannot be downloaded" in response.content.decode()
        assert "Issued by mistake" in response.content.decode()


def test_the_signature_image_turns_to_revoked(client, world, issue):
    issued = issue()
    url = reverse("credentials:signature", args=[issued.uuid])
    valid = client.get(url)
    assert valid["Content-Type"] == "image/png"
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    revoked = client.get(url)
    assert revoked["Content-Type"] == "image/png"
    assert revoked.content != valid.content
    # The revoked image is greyed with a red band across its middle.
    middle = Image.open(io.BytesIO(revoked.content)).convert("RGB").getpixel((4, 96))
    assert middle[0] > 150 and middle[1] < 80
    assert int(revoked["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 300


def test_a_badge_without_an_image_gets_a_drawn_png(client, world):
    response = client.get(reverse("credentials:badge_image", args=[world.alpha.badge.pk]))
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (images.SIZE, images.SIZE)

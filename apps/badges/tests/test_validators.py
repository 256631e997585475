"""Badge images: only real images are kept, re-made by the portal under its own name; hostile files — a script
behind an image signature, SVGs that run script or fetch other sites — are refused with the reason. Media are
served sandboxed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.badges.images import clean_badge_image
from apps.badges.models import Badge
from apps.badges.tests.factories import BadgeFactory
from apps.badges.validators import validate_badge_image

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'


def _png(size=(8, 8), mode="RGBA", fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 255) if mode == "RGBA" else (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def _upload(data: bytes, name="badge.svg"):
    return SimpleUploadedFile(name, data)


# --- The corpus: each was accepted and stored before --------------------------------------------------

HOSTILE = [
    # A link whose href is set by animation to java<TAB>script: (the tab hides the scheme from naive checks).
    (SVG + b'<a><set attributeName="href" to="java&#9;script:alert(document.domain)"/><text y="5">x</text></a></svg>',
     "evil.svg"),
    (b"\x89PNG\r\n\x1a\n<script>alert(document.domain)</script>", "evil.html"),
    (b"\xff\xd8\xff\xe0<script>alert(1)</script>", "evil3.htm"),
    (SVG + b"<style>@import url(http://evil.example/x.css);</style><circle r='5'/></svg>", "imp.svg"),
    (SVG + b'<circle r="5" style="fill:url(http://evil.example/track.svg#p)"/></svg>', "fill.svg"),
    (SVG + b'<use xlink:href="#c"><animate attributeName="href" values="http://evil.example/#x"/></use></svg>',
     "anim.svg"),
    (SVG + b'<circle r="5" fill="url(http://evil.example/p.svg#g)"/></svg>', "attr.svg"),
    (SVG + b'<use href=" java\tscript:alert(1)"/></svg>', "use.svg"),
    (SVG + b'<use xlink:href="http://evil.example/sprite.svg#icon"/></svg>', "ext.svg"),
    (SVG + b'<image href="data:image/svg+xml;base64,PHN2Zz4=" width="5" height="5"/></svg>', "img.svg"),
    (SVG + b'<script>alert(1)</script></svg>', "script.svg"),
    (SVG + b'<circle r="5" onload="alert(1)"/></svg>', "onload.svg"),
    (SVG + b"<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>x</p></foreignObject></svg>", "fo.svg"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "dtd.svg"),
    (SVG + b"<style>circle { fill: u\\72l(http://evil.example/) }</style></svg>", "escape.svg"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "name"), HOSTILE, ids=[name for _, name in HOSTILE])
def test_each_hostile_file_is_refused_with_a_reason(data, name):
    with pytest.raises(ValidationError) as refused:
        clean_badge_image(_upload(data, name))
    assert refused.value.code in {"invalid_image", "unsafe_svg"}
    assert refused.value.messages[0].startswith(("Upload a PNG", "This SVG"))


def test_a_real_png_is_decoded_and_re_encoded_under_the_portals_name():
    source = _png() + b"<script>alert(1)</script>"  # trailing bytes after IEND
    kept = clean_badge_image(_upload(source, "logo.html"))
    assert kept.name.endswith(".png") and "logo" not in kept.name and len(kept.name) == 36
    data = kept.read()
    assert b"<script>" not in data and Image.open(io.BytesIO(data)).size == (8, 8)


def test_a_jpeg_stays_a_jpeg_and_a_gif_becomes_a_png():
    jpeg = clean_badge_image(_upload(_png(mode="RGB", fmt="JPEG"), "photo.jpeg"))
    assert jpeg.name.endswith(".jpg") and Image.open(io.BytesIO(jpeg.read())).format == "JPEG"
    gif = clean_badge_image(_upload(_png(mode="RGB", fmt="GIF"), "anim.gif"))
    assert gif.name.endswith(".png") and Image.open(io.BytesIO(gif.read())).format == "PNG"


def test_a_plain_drawing_svg_is_kept_without_editor_metadata():
    source = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" inkscape:version="1.3">'
        b'<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        b'<path id="p" d="M0 0L10 10"/></defs>'
        b"<style>.a { fill: url(#g) }</style><!-- a comment -->"
        b'<circle class="a" r="5" style="fill:url(#g);cursor:pointer"/><use xlink:href="#p"/></svg>'
    )
    kept = clean_badge_image(_upload(source, "drawing.svg"))
    data = kept.read()
    assert kept.name.endswith(".svg")
    assert b"inkscape" not in data and b"metadata" not in data and b"comment" not in data
    assert b'href="#p"' in data and b"fill:url(#g)" in data and b"cursor" not in data  # style: drawing properties


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<svg><unclosed></svg>", "invalid_image"),
        (b"GIF89a not a gif", "invalid_image"),
        (_png() + b"\x00" * (2 * 1024 * 1024), "too_large"),
        (_png(size=(5000, 10), mode="RGB"), "too_many_pixels"),
        (b"", "invalid_image"),
    ],
)
def test_what_is_not_an_image_is_refused(data, code):
    with pytest.raises(ValidationError) as error:
        validate_badge_image(_upload(data, "x.png"))
    assert error.value.code == code


def test_editing_a_badge_stores_the_portals_copy_and_refuses_a_hostile_file(world, client):
    badge = BadgeFactory(organization=world.alpha.org, name="Upload Star")
    client.force_login(world.alpha.admin)
    url = reverse("badges:edit", args=[badge.pk])
    form = {"name": badge.name, "description": "", "criteria": "", "is_active": "on"}
    answer = client.post(url, {**form, "image": _upload(HOSTILE[1][0], "evil.html")})
    assert answer.status_code == 200 and "Upload a PNG, JPEG or SVG image" in answer.content.decode()
    badge.refresh_from_db()
    assert not badge.image
    assert client.post(url, {**form, "image": _upload(_png(), "evil.html")}).status_code == 302
    badge.refresh_from_db()
    assert badge.image.name.startswith("badges/") and badge.image.name.endswith(".png")
    assert "evil" not in badge.image.name


def test_media_are_served_sandboxed_and_only_images(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "badges").mkdir()
    (tmp_path / "badges" / "b.svg").write_bytes(SVG + b"<circle r='5'/></svg>")
    (tmp_path / "badges" / "evil.html").write_bytes(b"<script>alert(1)</script>")
    answer = client.get("/media/badges/b.svg")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
    assert "sandbox" in answer["Content-Security-Policy"] and "default-src 'none'" in answer["Content-Security-Policy"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/badges/evil.html").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404


def test_the_migration_remakes_kept_images_and_drops_hostile_ones(world, settings, tmp_path):
    from importlib import import_module

    from django.apps import apps as django_apps

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "badges").mkdir()
    (tmp_path / "badges" / "good.png").write_bytes(_png())
    (tmp_path / "badges" / "evil.html").write_bytes(HOSTILE[1][0])
    good = BadgeFactory(organization=world.alpha.org, name="Good", image="badges/good.png")
    evil = BadgeFactory(organization=world.alpha.org, name="Evil", image="badges/evil.html")
    import_module("apps.badges.migrations.0002_remake_uploaded_images").remake(django_apps, None)
    good.refresh_from_db()
    evil.refresh_from_db()
    assert good.image.name.endswith(".png") and good.image.name != "badges/good.png"
    assert (tmp_path / good.image.name).is_file() and not (tmp_path / "badges" / "good.png").exists()
    assert evil.image.name == "" and not (tmp_path / "badges" / "evil.html").exists()
    assert Badge.objects.filter(image__endswith=".html").count() == 0

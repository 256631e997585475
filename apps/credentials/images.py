"""Badge images for credentials: the badge's own image or a generated placeholder, as PNG or SVG; baked with a
credential (openbadgeslib's baking: PNG iTXt, SVG element); and the "REVOKED" image of a revoked badge.

Pillow draws; it rasterizes no SVG, so a badge whose image is an SVG gets a drawn PNG (its name on a medal) where
a PNG is needed, and keeps its SVG for the SVG download.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from openbadgeslib import baking
from PIL import Image, ImageDraw, ImageFont

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = 400  # pixels of a drawn image (placeholder or revoked)
SIGNATURE_SIZE = 96  # the e-mail signature's image


@dataclass(frozen=True)
class BadgeArt:
    """A badge's image bytes and what they are ("png", "jpeg", "svg"), or nothing (no image)."""

    data: bytes | None
    kind: str | None

    @classmethod
    def of(cls, badge) -> BadgeArt:
        if not badge.image:
            return cls(None, None)
        try:
            with badge.image.open("rb") as handle:
                data = handle.read()
        except OSError:  # the file went missing: shown as having none
            return cls(None, None)
        if data.startswith(PNG_SIGNATURE):
            return cls(data, "png")
        if data.startswith(b"\xff\xd8\xff"):
            return cls(data, "jpeg")
        return cls(data, "svg")


def _font(size: int):
    return ImageFont.load_default(size=size)


def _hue(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    palette = [(13, 110, 253), (25, 135, 84), (111, 66, 193), (214, 51, 132), (253, 126, 20), (32, 201, 151)]
    return palette[digest[0] % len(palette)]


@lru_cache(maxsize=64)
def placeholder_png(name: str) -> bytes:
    """A medal with the badge's initials and name: the image of a badge that has none (or only an SVG)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    color = _hue(name)
    draw.ellipse((20, 20, SIZE - 20, SIZE - 20), fill=color, outline=(255, 255, 255), width=10)
    draw.ellipse((48, 48, SIZE - 48, SIZE - 48), outline=(255, 255, 255, 160), width=4)
    initials = "".join(word[0] for word in name.split()[:3]).upper() or "★"
    draw.text((SIZE / 2, SIZE / 2 - 20), initials, fill="white", font=_font(120), anchor="mm")
    label = name if len(name) <= 22 else name[:21] + "…"
    draw.text((SIZE / 2, SIZE / 2 + 80), label, fill="white", font=_font(26), anchor="mm")
    return _png_bytes(image)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def badge_png(badge, art: BadgeArt | None = None) -> bytes:
    """The badge's image as PNG: itself, a JPEG converted, or the drawn placeholder (none, or an SVG)."""
    art = art or BadgeArt.of(badge)
    if art.kind == "png":
        return art.data
    if art.kind == "jpeg":
        return _png_bytes(Image.open(io.BytesIO(art.data)).convert("RGBA"))
    return placeholder_png(badge.name)


def badge_svg(badge, art: BadgeArt | None = None) -> bytes:
    """The badge's image as SVG: itself, or its PNG inside an SVG (an ``<image>`` of a data: URL)."""
    art = art or BadgeArt.of(badge)
    if art.kind == "svg":
        return art.data
    png = badge_png(badge, art)
    width, height = Image.open(io.BytesIO(png)).size
    encoded = base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(badge.name)}</title>"
        f'<image width="{width}" height="{height}" href="data:image/png;base64,{encoded}"/></svg>'
    ).encode()


def revoked_png(badge, art: BadgeArt | None = None, *, size: int = SIZE) -> bytes:
    """The badge's image greyed, faded and crossed by a red "REVOKED" band: what a revoked badge shows."""
    source = Image.open(io.BytesIO(badge_png(badge, art))).convert("RGBA").resize((size, size))
    grey = source.convert("LA").convert("RGBA")
    faded = Image.blend(Image.new("RGBA", grey.size, (255, 255, 255, 0)), grey, 0.45)
    draw = ImageDraw.Draw(faded)
    band = size // 4
    draw.rectangle((0, (size - band) // 2, size, (size + band) // 2), fill=(200, 35, 51, 240))
    draw.text((size / 2, size / 2), "REVOKED", fill="white", font=_font(max(12, size // 7)), anchor="mm")
    return _png_bytes(faded)


def signature_png(badge, *, revoked: bool) -> bytes:
    """The e-mail signature's image: the badge while valid, the revoked image once revoked."""
    art = BadgeArt.of(badge)
    if revoked:
        return revoked_png(badge, art, size=SIGNATURE_SIZE * 2)
    image = Image.open(io.BytesIO(badge_png(badge, art))).convert("RGBA")
    image.thumbnail((SIGNATURE_SIZE * 2, SIGNATURE_SIZE * 2))  # twice the displayed size: sharp on dense screens
    return _png_bytes(image)


# --- Baking (openbadgeslib's carriers) ---------------------------------------------------------------------------


def bake_png_ob3(png: bytes, credential_json: str) -> bytes:
    """OB 3.0: the credential in an iTXt chunk with the keyword ``openbadgecredential``."""
    return baking.bake_png(png, credential_json, keyword=baking.ITXT_KEYWORD_OB3)


def bake_svg_ob3(svg: bytes, credential_json: str) -> bytes:
    """OB 3.0: the credential as the text of an ``<openbadges:credential>`` element."""
    return baking.bake_svg(
        svg, credential_json, element=baking.SVG_ELEMENT_OB3, namespace=baking.SVG_NS_OB3, as_text=True
    )


def bake_png_ob2(png: bytes, assertion_json: str) -> bytes:
    """OB 2.0: the hosted assertion's JSON in an iTXt chunk with the keyword ``openbadges``."""
    return baking.bake_png(png, assertion_json, keyword=baking.ITXT_KEYWORD)


def bake_svg_ob2(svg: bytes, assertion_url: str) -> bytes:
    """OB 2.0: an ``<openbadges:assertion verify="…">`` element naming the hosted assertion."""
    return baking.bake_svg(svg, assertion_url, element=baking.SVG_ELEMENT, namespace=baking.SVG_NS)


def unbake_png(png: bytes, *, ob2: bool = False) -> str | None:
    return baking.extract_png(png, keyword=baking.ITXT_KEYWORD if ob2 else baking.ITXT_KEYWORD_OB3)


def unbake_svg(svg: bytes, *, ob2: bool = False) -> str | None:
    if ob2:
        return baking.extract_svg(svg, element=baking.SVG_ELEMENT)
    return baking.extract_svg(svg, element=baking.SVG_ELEMENT_OB3, text_fallback=True)

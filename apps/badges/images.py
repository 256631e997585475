"""Badge images: only real images are kept, re-made by the portal under a name and extension it chooses.

- **PNG, JPEG, GIF or WebP**: decoded with Pillow (size and pixel limits against decompression bombs) and
  re-encoded — PNG (JPEG stays JPEG) — so nothing but pixels survives: a PNG signature followed by HTML, trailing
  scripts, metadata. The file is named ``<random>.png`` / ``.jpg`` whatever it was uploaded as.
- **SVG**: parsed with defusedxml (no DTD, no entities) and rebuilt from an allow-list of static drawing elements
  and attributes. Links (``href``) may only point inside the document (``#id``) — checked after removing the
  whitespace and control characters browsers ignore (``java&#9;script:``); ``url(…)`` in attributes, ``style``
  and ``<style>`` likewise, and ``@import`` is refused. Scripts, event handlers, links (``<a>``), animation
  (``<set>``, ``<animate…>``), embedded documents and external images are not on the list: such a file is refused
  with the reason, so an administrator knows the image changed nothing silently. Editor metadata (Inkscape,
  Sodipodi, RDF) is dropped.

Media are also served with ``Content-Security-Policy: sandbox`` and ``nosniff`` (apps/core/media.py).
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096  # pixels
RASTER_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}

INVALID = ValidationError("Upload a PNG, JPEG or SVG image: this file is not one.", code="invalid_image")

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

ELEMENTS = {
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "clipPath", "mask",
    "pattern", "marker", "style", "filter", "feGaussianBlur", "feOffset", "feMerge", "feMergeNode", "feBlend",
    "feColorMatrix", "feFlood", "feComposite", "feDropShadow", "feMorphology",
}  # fmt: skip
SILENTLY_DROPPED = {"metadata"}  # editor metadata, with its RDF
PRESENTATION = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "font-family",
    "font-size", "font-weight", "font-style", "font-variant", "text-anchor", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "text-decoration", "stop-color",
    "stop-opacity", "clip-path", "clip-rule", "mask", "filter", "flood-color", "flood-opacity", "visibility",
    "display", "overflow", "color", "vector-effect", "paint-order", "shape-rendering", "text-rendering",
    "image-rendering", "color-interpolation-filters", "marker-start", "marker-mid", "marker-end", "mix-blend-mode",
    "isolation", "transform", "transform-origin", "line-height", "white-space",
}  # fmt: skip
ATTRIBUTES = PRESENTATION | {
    "id", "class", "style", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
    "width", "height", "viewBox", "preserveAspectRatio", "points", "offset", "gradientUnits", "gradientTransform",
    "spreadMethod", "clipPathUnits", "maskUnits", "maskContentUnits", "patternUnits", "patternContentUnits",
    "patternTransform", "filterUnits", "primitiveUnits", "stdDeviation", "in", "in2", "result", "dx", "dy", "mode",
    "operator", "k1", "k2", "k3", "k4", "type", "values", "radius", "version", "lengthAdjust", "textLength",
    "startOffset", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient", "pathLength", "href",
    "rotate", "method", "spacing", "side", "media",
}  # fmt: skip
LINKING = {"use", "textPath"}  # the only elements whose href is kept (to #id)
_IGNORED_BY_BROWSERS = re.compile(r"[\s\x00-\x1f\x7f]+")
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


def clean_badge_image(upload) -> ContentFile:
    """The upload as the portal keeps it (a new file, named by the portal), or ValidationError saying why not."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError("The image must be smaller than 2 MB.", code="too_large")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if _looks_like_svg(data):
        return ContentFile(_clean_svg(data), name=f"{uuid.uuid4().hex}.svg")
    content, extension = _clean_raster(data)
    return ContentFile(content, name=f"{uuid.uuid4().hex}.{extension}")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--")) and b"<svg" in head


# --- Raster images ------------------------------------------------------------------------------------------------


def _clean_raster(data: bytes) -> tuple[bytes, str]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in RASTER_FORMATS:
                raise INVALID
            if max(probe.size) > MAX_SIDE:
                raise ValidationError(
                    f"The image is too large: at most {MAX_SIDE} × {MAX_SIDE} pixels.", code="too_many_pixels"
                )
            probe.verify()  # the whole file's structure and checksums
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # an animated GIF or WebP: its first frame
            image.load()
            jpeg = image.format == "JPEG"
            pixels = image.convert("RGB" if jpeg else "RGBA" if _has_alpha(image) else "RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        raise INVALID from None
    out = io.BytesIO()
    if jpeg:
        pixels.save(out, "JPEG", quality=90, optimize=True)
        return out.getvalue(), "jpg"
    pixels.save(out, "PNG", optimize=True)
    return out.getvalue(), "png"


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


# --- SVG -----------------------------------------------------------------------------------------------------------


class _Unsafe(Exception):
    def __init__(self, what: str):
        self.what = what


def _clean_svg(data: bytes) -> bytes:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ValueError):
        raise ValidationError(
            "This SVG declares a DTD or entities: save it as a plain SVG, or upload a PNG or JPEG.", code="unsafe_svg"
        ) from None
    except ET.ParseError:
        raise INVALID from None
    if _name(root.tag) != ("svg", SVG_NS):
        raise INVALID
    try:
        _clean_element(root)
    except _Unsafe as unsafe:
        raise ValidationError(
            f"This SVG contains {unsafe.what}, which badge images may not: save it as a plain drawing, or upload "
            "a PNG or JPEG.",
            code="unsafe_svg",
        ) from None
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _name(qualified: str) -> tuple[str, str]:
    """(local name, namespace) of an ElementTree tag or attribute name."""
    if qualified.startswith("{"):
        namespace, local = qualified[1:].split("}", 1)
        return local, namespace
    return qualified, ""


def _clean_element(element) -> None:
    local, _ = _name(element.tag)
    for name in list(element.attrib):
        attribute, namespace = _name(name)
        value = element.attrib[name]
        if attribute.lower().startswith("on"):
            raise _Unsafe(f"an event handler ({attribute})")
        if attribute == "href" and namespace in ("", XLINK_NS):
            target = _IGNORED_BY_BROWSERS.sub("", value)
            if local not in LINKING or not target.startswith("#"):
                raise _Unsafe(f"a link ({_IGNORED_BY_BROWSERS.sub(' ', value)[:60]})")
            continue
        if (namespace and namespace != SVG_NS) or attribute not in ATTRIBUTES:
            del element.attrib[name]  # editor metadata, unknown attributes: not kept
            continue
        if attribute == "style":
            element.attrib[name] = _clean_css_declarations(value)
        else:
            _check_value(value)
    if local == "style":
        _check_stylesheet(element.text or "")
    for child in list(element):
        if not isinstance(child.tag, str):  # a comment or processing instruction
            element.remove(child)
            continue
        child_local, namespace = _name(child.tag)
        if namespace != SVG_NS or child_local in SILENTLY_DROPPED:
            element.remove(child)  # Inkscape, Sodipodi, RDF metadata
            continue
        if child_local not in ELEMENTS:
            raise _Unsafe(f"<{child_local}>")
        _clean_element(child)


def _check_value(value: str) -> None:
    squeezed = _IGNORED_BY_BROWSERS.sub("", value).lower()
    if "javascript:" in squeezed or "data:" in squeezed or "expression(" in squeezed:
        raise _Unsafe("a script or data address")
    for _, target in _URL.findall(value):
        if not _IGNORED_BY_BROWSERS.sub("", target).startswith("#"):
            raise _Unsafe(f"an external reference (url({target[:60]}))")


def _clean_css_declarations(style: str) -> str:
    kept = []
    for declaration in style.split(";"):
        prop, _, value = declaration.partition(":")
        prop = prop.strip().lower()
        if not prop or not value.strip():
            continue
        _check_value(value)
        if prop in PRESENTATION:
            kept.append(f"{prop}:{value.strip()}")
    return ";".join(kept)


def _check_stylesheet(css: str) -> None:
    squeezed = _IGNORED_BY_BROWSERS.sub("", css).lower()
    if "@import" in squeezed or "\\" in css:  # CSS escapes could spell anything
        raise _Unsafe("a style sheet import")
    _check_value(css)

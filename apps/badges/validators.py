"""Validation of uploaded badge images: PNG, JPEG or a safe SVG, under 2 MB.

An SVG is a document that can carry scripts, and badge images are served from
the portal's own origin: an SVG is accepted only when it holds no script, no
embedded HTML, no event handler, no external or script reference and no DTD.
"""

import xml.etree.ElementTree as ET  # DTDs (entity expansion) are refused before parsing

from django.core.exceptions import ValidationError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_SAFE_LINK_PREFIXES = ("#", "data:image/png", "data:image/jpeg", "data:image/gif")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _check_svg(data: bytes) -> None:
    unsafe = ValidationError(
        "This SVG contains scripts or external content; upload a plain SVG, PNG or JPEG.", code="unsafe_svg"
    )
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise unsafe
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD can reach here (checked above)
    except ET.ParseError:
        raise ValidationError("Upload a PNG, SVG or JPEG image.", code="invalid_image") from None
    if _local(root.tag) != "svg":
        raise ValidationError("Upload a PNG, SVG or JPEG image.", code="invalid_image")
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_ELEMENTS:
            raise unsafe
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on"):
                raise unsafe
            if attribute == "href" and not value.strip().lower().startswith(_SAFE_LINK_PREFIXES):
                raise unsafe
            if "javascript:" in value.lower().replace(" ", ""):
                raise unsafe


def validate_badge_image(upload) -> None:
    """Reject files over 2 MB and anything that is not PNG, JPEG or a safe SVG, by content."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError("The image must be smaller than 2 MB.", code="too_large")
    upload.seek(0)
    head = upload.read(1024)
    if any(head.startswith(signature) for signature in _SIGNATURES):
        upload.seek(0)
        return
    text = head.lstrip().lower()
    if (text.startswith(b"<svg") or text.startswith(b"<?xml")) and b"<svg" in text:
        _check_svg(head + upload.read())
        upload.seek(0)
        return
    upload.seek(0)
    raise ValidationError("Upload a PNG, SVG or JPEG image.", code="invalid_image")

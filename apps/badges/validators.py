"""Validation of uploaded badge images: PNG, SVG or JPEG, under 2 MB."""

from django.core.exceptions import ValidationError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def validate_badge_image(upload) -> None:
    """Reject files over 2 MB and anything that is not PNG, JPEG or SVG by content."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError("The image must be smaller than 2 MB.", code="too_large")
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if any(head.startswith(signature) for signature in _SIGNATURES):
        return
    text = head.lstrip().lower()
    if (text.startswith(b"<svg") or text.startswith(b"<?xml")) and b"<svg" in text:
        return
    raise ValidationError("Upload a PNG, SVG or JPEG image.", code="invalid_image")

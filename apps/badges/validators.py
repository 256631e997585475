"""Validation of badge images: the model's check that a file is one the portal keeps (see images.py, which
re-makes every upload; this refuses anything that could not be re-made, whatever path it came by)."""

from .images import MAX_IMAGE_BYTES, clean_badge_image

__all__ = ["MAX_IMAGE_BYTES", "validate_badge_image"]


def validate_badge_image(upload) -> None:
    """ValidationError unless ``upload`` is a PNG, JPEG, GIF, WebP or allow-listed SVG under 2 MB."""
    clean_badge_image(upload)

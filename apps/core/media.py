"""Uploaded media (badge images) served by the portal itself, for deployments without a web server in front
(set SERVE_MEDIA=0 when one serves MEDIA_ROOT — with the same headers).

Only image files are served, typed by their extension (the portal names every file it keeps), each with
``Content-Security-Policy: sandbox`` (an SVG opened on its own runs nothing and loads nothing) and
``X-Content-Type-Options: nosniff`` (no browser reads one as HTML)."""

import posixpath

from django.conf import settings
from django.http import Http404, HttpRequest
from django.views.decorators.http import require_safe
from django.views.static import serve

TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@require_safe
def media(request: HttpRequest, path: str):
    content_type = TYPES.get(posixpath.splitext(path)[1].lower())
    if content_type is None:
        raise Http404("Not an image.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Type"] = content_type
    response["Content-Security-Policy"] = POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=86400"
    return response

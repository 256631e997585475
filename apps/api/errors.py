"""Every API error is JSON: DRF's own (``{"detail": …}`` or per-field lists) in its views, and Django's 400, 404
and 500 for paths under /api/ that no API view answers or requests Django refuses before any view reads them."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults


def api_aware(page_view, status: int, detail: str):
    """Wrap Django's handler404/handler500: JSON under /api/, the page elsewhere."""

    def handler(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        return page_view(request, *args, **kwargs)

    return handler


def bad_request(request, exception=None):
    """handler400: Django refuses a request it cannot read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields) before any view, with its HTML page. Under /api/ it is JSON too, and a body too large is a 413."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse({"detail": f"The request body is too large: send at most {limit:,} bytes."}, status=413)
    return JsonResponse({"detail": "The request could not be read."}, status=400)

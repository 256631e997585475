"""Every API error is JSON: DRF's own (``{"detail": …}`` or per-field lists) in its views, and Django's 404 and
500 for paths under /api/ that no API view answers."""

from django.http import JsonResponse


def api_aware(page_view, status: int, detail: str):
    """Wrap Django's handler404/handler500: JSON under /api/, the page elsewhere."""

    def handler(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        return page_view(request, *args, **kwargs)

    return handler

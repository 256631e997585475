"""Badge pages (administrators of the badge's organization)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.organizations.querysets import administered_organization_ids

from .selectors import badge_list


@login_required
def badge_list_view(request: HttpRequest) -> HttpResponse:
    if not administered_organization_ids(request.user):
        raise PermissionDenied("Only organization administrators manage badges.")
    search = request.GET.get("q", "").strip()
    page = Paginator(badge_list(user=request.user, search=search), 24).get_page(request.GET.get("page"))
    return render(request, "badges/badge_list.html", {"page": page, "search": search})

"""Class pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .selectors import classroom_list


@login_required
def classroom_list_view(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = Paginator(classroom_list(user=request.user, search=search), 25).get_page(request.GET.get("page"))
    return render(request, "classes/classroom_list.html", {"page": page, "search": search, "now": timezone.now()})

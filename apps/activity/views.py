"""Activity pages for organization administrators: the list, record one activity, import a CSV file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.access.policy import administrator_required
from apps.core.pagination import CappedPaginator

from .filters import ActivityFilter
from .forms import ActivityImportForm, ActivityRecordForm
from .selectors import activity_import_example, activity_record_list
from .services import ActivityAlreadyRecorded, activity_import_csv, activity_record_create

administrators_only = administrator_required("Only organization administrators record activity.")


@login_required
@require_GET
@administrators_only
def activity_list(request: HttpRequest) -> HttpResponse:
    filters = ActivityFilter(request.GET, queryset=activity_record_list(user=request.user), request=request)
    # Activity grows fast (every lab launch): a bounded count, and a page read as ids first.
    page = CappedPaginator(filters.rows, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filter": filters, "search": filters.cleaned("q")}
    return render(request, "activity/activity_list.html", context)


@login_required
@administrators_only
def activity_create(request: HttpRequest) -> HttpResponse:
    form = ActivityRecordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = activity_record_create(**form.cleaned_data)
        except ActivityAlreadyRecorded as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{record.get_kind_display()} recorded for {record.user.display_name}.")
            return redirect("activity:list")
    return render(request, "activity/activity_form.html", {"form": form})


@login_required
@administrators_only
def activity_import(request: HttpRequest) -> HttpResponse:
    form = ActivityImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = activity_import_csv(actor=request.user, content=form.cleaned_data["file"].read())
        if result.ok:
            messages.success(request, result.summary)
            return redirect("activity:list")
    context = {
        "form": form,
        "result": result,
        "time_zone": timezone.get_default_timezone_name(),
        "example": activity_import_example(user=request.user),
    }
    return render(request, "activity/activity_import.html", context)

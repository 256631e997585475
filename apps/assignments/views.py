"""Course assignment pages: list, create, and the assignment with Issue a Badge in its quick access bar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.access.policy import administrator_required
from apps.badges.models import Badge
from apps.issued_badges.choose_badge import render_choose_badge, select_a_badge
from apps.issued_badges.models import Source

from .filters import AssignmentFilter
from .forms import CourseAssignmentForm, already_assigned
from .models import CourseAssignment
from .selectors import assignment_list
from .services import AlreadyAssigned, course_assignment_create

administrators_only = administrator_required("Only organization administrators manage course assignments.")


def _administered_assignment(request: HttpRequest, pk: int) -> CourseAssignment:
    assignments = CourseAssignment.objects.administered_by(request.user).select_related(
        "course", "student__organization", "organization", "created_by"
    )
    return get_object_or_404(assignments, pk=pk)


@login_required
@require_GET
@administrators_only
def assignment_list_view(request: HttpRequest) -> HttpResponse:
    filters = AssignmentFilter(request.GET, queryset=assignment_list(user=request.user), request=request)
    page = Paginator(filters.rows, 25).get_page(request.GET.get("page"))
    context = {"filter": filters, "page": page, "now": timezone.now()}
    return render(request, "assignments/assignment_list.html", context)


@login_required
@administrators_only
def assignment_create(request: HttpRequest) -> HttpResponse:
    form = CourseAssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = course_assignment_create(actor=request.user, **form.cleaned_data)
        except AlreadyAssigned as refused:  # another submission made it since the form checked
            form.add_error("student", already_assigned(refused.current))
        else:
            messages.success(request, f"{assignment.course.title} assigned to {assignment.student.display_name}.")
            return redirect("assignments:detail", pk=assignment.pk)
    return render(request, "assignments/assignment_form.html", {"form": form})


@login_required
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _administered_assignment(request, pk)
    return render(request, "assignments/assignment_detail.html", {"assignment": assignment, "now": timezone.now()})


@login_required
@require_GET
def choose_badge(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose Badge for a course assignment: one badge, to the assignment's student."""
    assignment = _administered_assignment(request, pk)
    return render_choose_badge(
        request,
        recipient=assignment.student,
        badges=Badge.objects.for_organization(assignment.organization).manually_issuable().order_by("name"),
        issue_url=reverse("assignments:issue", args=[assignment.pk]),
        context_label="this course assignment",
    )


@login_required
@require_POST
def assignment_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Select a Badge: through the door, source ``assignment``, to the assignment's student."""
    assignment = _administered_assignment(request, pk)
    back = reverse("assignments:detail", args=[assignment.pk])
    return select_a_badge(request, back_url=back, source=Source.ASSIGNMENT, course_assignment=assignment)

"""Class pages: the class list, the Roster with its Choose Badge dialog, and the Issue Badges page."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.access.policy import IssuerScope, issuer_scope
from apps.issued_badges.choose_badge import render_choose_badge, select_a_badge
from apps.issued_badges.forms import notify_choice
from apps.issued_badges.models import IssuanceBatch, Source
from apps.issued_badges.selectors import batch_retryable_count
from apps.issued_badges.services import IssueRequest, badges_issue, batch_report

from .filters import ClassroomFilter, RosterFilter
from .forms import IssueBadgesForm, StudentChoiceForm
from .models import Classroom
from .selectors import classroom_list, issuable_students, manual_badges_for, roster, with_badges_held


def issuer_classroom(request: HttpRequest, pk: int) -> tuple[Classroom, IssuerScope]:
    """The class and the user's scope in it; 404 for anyone who may not issue there (never confirm it exists)."""
    classroom = get_object_or_404(Classroom.objects.select_related("organization", "course"), pk=pk)
    scope = issuer_scope(request.user, classroom)
    if not scope.permitted:
        raise Http404("No class found.")
    return classroom, scope


@login_required
def classroom_list_view(request: HttpRequest) -> HttpResponse:
    filters = ClassroomFilter(request.GET, queryset=classroom_list(user=request.user), request=request)
    page = Paginator(filters.rows, 25).get_page(request.GET.get("page"))
    context = {"filter": filters, "page": page, "search": filters.cleaned("q"), "now": timezone.now()}
    return render(request, "classes/classroom_list.html", context)


@login_required
@require_GET
def roster_view(request: HttpRequest, pk: int) -> HttpResponse:
    classroom, scope = issuer_classroom(request, pk)
    filters = RosterFilter(request.GET, queryset=roster(classroom=classroom), request=request)
    page = Paginator(filters.rows, 50).get_page(request.GET.get("page"))
    page.object_list = with_badges_held(page.object_list, classroom=classroom, scope=scope)
    context = {
        "classroom": classroom,
        "scope": scope,
        "filter": filters,
        "page": page,
        "search": filters.cleaned("q"),
        **_roster_urls(classroom),
    }
    return render(request, "classes/roster.html", context)


def _roster_urls(classroom) -> dict[str, str]:
    """URLs every roster row uses, reversed once per page rather than once per row."""
    return {
        "roster_url": reverse("classes:roster", args=[classroom.pk]),
        "choose_badge_url": reverse("classes:choose_badge", args=[classroom.pk]),
    }


@login_required
@require_GET
def roster_row(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    """One roster row, re-rendered after a badge was issued from the Choose Badge dialog."""
    classroom, scope = issuer_classroom(request, pk)
    enrollments = roster(classroom=classroom).filter(student_id=student_pk)
    enrollments = with_badges_held(enrollments, classroom=classroom, scope=scope)
    if not enrollments:
        return HttpResponse(status=404)
    enrollment = enrollments[0]
    context = {"classroom": classroom, "scope": scope, "e": enrollment, **_roster_urls(classroom)}
    return render(request, "classes/_roster_row.html", context)


@login_required
@require_GET
def choose_badge(request: HttpRequest, pk: int) -> HttpResponse:
    """The Choose Badge dialog for one student of the roster."""
    classroom, scope = issuer_classroom(request, pk)
    choice = StudentChoiceForm(request.GET)
    students = issuable_students(classroom=classroom, scope=scope)
    student = students.filter(pk=choice.cleaned_data["student"]).first() if choice.is_valid() else None
    if student is None:
        return render(
            request, "issued_badges/_choose_badge.html", {"error": "This student cannot receive badges here."}
        )
    return render_choose_badge(
        request,
        recipient=student,
        badges=manual_badges_for(classroom=classroom),
        issue_url=reverse("classes:roster_issue", args=[classroom.pk]),
        context_label=classroom.title,
    )


@login_required
@require_POST
def roster_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Select a Badge in the Choose Badge dialog: one badge to one student, through the door."""
    classroom, _ = issuer_classroom(request, pk)
    back = reverse("classes:roster", args=[classroom.pk])
    return select_a_badge(request, back_url=back, source=Source.ROSTER, classroom=classroom)


@login_required
def issue_badges(request: HttpRequest, pk: int) -> HttpResponse:
    """The Issue Badges page: several badges × several students, then what succeeded and what failed."""
    classroom, scope = issuer_classroom(request, pk)
    form = IssueBadgesForm(request.POST or None, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        report = badges_issue(
            IssueRequest(
                badge_ids=form.cleaned_data["badges"],
                recipient_ids=form.cleaned_data["students"],
                actor=request.user,
                source=Source.BATCH,
                classroom=classroom,
                idempotency_key=form.cleaned_data["key"],
                notify=notify_choice(form.cleaned_data["notify"]),
            )
        )
        again = "&again=1" if report.replayed else ""
        return redirect(
            f"{reverse('classes:issue_badges', args=[classroom.pk])}?batch={report.batch.uuid}{again}#results"
        )

    chosen_badges = chosen_students = []
    if form.is_bound:  # show the lists again with the errors
        ids = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        chosen_badges = manual_badges_for(classroom=classroom).filter(pk__in=ids.get("badges") or [])
        chosen_students = issuable_students(classroom=classroom, scope=scope).filter(pk__in=ids.get("students") or [])
    report, retryable = None, 0
    if batch_id := request.GET.get("batch"):
        batch = _batch_of(request, classroom, batch_id)
        if batch is None:
            messages.warning(request, "That issuance was not found.")
        else:
            report = batch_report(batch, replayed=bool(request.GET.get("again")))
            retryable = batch_retryable_count(batch=batch) if batch.failed_count else 0
    context = {
        "classroom": classroom,
        "form": form,
        "chosen_badges": chosen_badges,
        "chosen_students": chosen_students,
        "report": report,
        "retryable": retryable,
    }
    return render(request, "classes/issue_badges.html", context)


def _batch_of(request: HttpRequest, classroom, batch_id: str) -> IssuanceBatch | None:
    try:
        batch_uuid = uuid.UUID(batch_id)
    except ValueError:
        return None
    batches = IssuanceBatch.objects.visible_to(request.user).select_related("created_by", "classroom")
    return batches.filter(uuid=batch_uuid, classroom=classroom).first()


@login_required
@require_GET
def choose_badges(request: HttpRequest, pk: int) -> HttpResponse:
    """The Choose Badges dialog of the Issue Badges page (multi-select)."""
    classroom, _ = issuer_classroom(request, pk)
    return render(request, "classes/_choose_badges.html", {"badges": manual_badges_for(classroom=classroom)})


@login_required
@require_GET
def choose_students(request: HttpRequest, pk: int) -> HttpResponse:
    """The Choose Student(s) dialog: enrolled students within the issuer's scope (rule 3)."""
    classroom, scope = issuer_classroom(request, pk)
    students = issuable_students(classroom=classroom, scope=scope)
    return render(request, "classes/_choose_students.html", {"students": students, "scope": scope})

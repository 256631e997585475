"""Achievement pages (administrators): list with Evaluate now, create and activate with a preview, the
achievement with its run log, edit, deactivate."""

import copy
import logging
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.access.policy import administrator_required

from .filters import AchievementFilter
from .forms import TARGET_FIELDS, AchievementForm, NotificationForm
from .models import Achievement, EvaluationRun
from .requirements import requirement_from, requirements_of
from .selectors import (
    achievement_list,
    achievement_preview,
    achievement_run_log,
    administered_achievement,
    award_latency,
    last_runs,
    requirement_text,
    run_progress,
)
from .services import achievement_create, achievement_set_active, achievement_update
from .tasks import evaluate_achievements

logger = logging.getLogger(__name__)


administrators_only = administrator_required("Only organization administrators manage achievements.")


def _achievement(request: HttpRequest, pk: int) -> Achievement:
    try:
        return administered_achievement(user=request.user, pk=pk)
    except Achievement.DoesNotExist:
        raise Http404("No achievement found.") from None


@login_required
@require_GET
@administrators_only
def achievement_list_view(request: HttpRequest) -> HttpResponse:
    filters = AchievementFilter(request.GET, queryset=achievement_list(user=request.user), request=request)
    page = Paginator(filters.rows, 25).get_page(request.GET.get("page"))
    for achievement in page.object_list:
        achievement.requirement = requirement_text(achievement)
    context = {"filter": filters, "page": page, "search": filters.cleaned("q"), **_evaluations(request)}
    return render(request, "achievements/achievement_list.html", context)


@login_required
@require_GET
@administrators_only
def evaluations_view(request: HttpRequest) -> HttpResponse:
    """The Achievements page's Evaluations card alone: polled while a run is running (its progress)."""
    return render(request, "achievements/_evaluations.html", _evaluations(request))


QUEUED_KEY = "evaluation_queued_at"
WAIT_FOR_START = 120  # seconds the card waits for a queued evaluation to start, asking again every few seconds


def _evaluations(request: HttpRequest) -> dict:
    runs = last_runs(viewer=request.user)
    running = bool(runs) and runs[0].status == EvaluationRun.Status.RUNNING
    # Evaluate now was pressed a moment ago and its run has not started yet: the card keeps asking until it has.
    queued = request.session.get(QUEUED_KEY)
    queued = queued and datetime.fromisoformat(queued)
    started = bool(runs) and runs[0].started_at >= queued if queued else False
    if queued and (started or timezone.now() - queued > timedelta(seconds=WAIT_FOR_START)):
        del request.session[QUEUED_KEY]
        queued = None
    return {
        "runs": runs,
        "progress": run_progress(run=runs[0], viewer=request.user) if running else None,
        "latency": award_latency(viewer=request.user),
        "polling": running or bool(queued),
        "queued": bool(queued),
    }


@login_required
@administrators_only
def achievement_create_view(request: HttpRequest) -> HttpResponse:
    """New achievement: the form, then a preview of who already qualifies and how they are told, then save."""
    form = AchievementForm(request.POST or None, user=request.user)
    if request.method == "POST" and "back" not in request.POST and form.is_valid():
        data = form.cleaned_data
        notify = NotificationForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and notify.is_valid():
            achievement = achievement_create(**data, notification=notify.cleaned_data["notification"])
            messages.success(
                request,
                f"Achievement “{achievement.name}” created. The next evaluation (hourly, or Evaluate now) "
                f"issues “{achievement.badge.name}” to everyone who meets it.",
            )
            return redirect("achievements:detail", pk=achievement.pk)
        requirement = requirement_from(
            organization_id=data["organization"].pk,
            **{name: data[name] for name in ("kind", *TARGET_FIELDS)},
        )
        return _preview(request, form, notify, requirement, badge=data["badge"], name=data["name"], creating=True)
    return render(request, "achievements/achievement_form.html", {"form": form, "creating": True})


@login_required
@require_GET
def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _achievement(request, pk)
    context = {
        "achievement": achievement,
        "requirement": requirement_text(achievement),
        "evaluations": achievement_run_log(achievement=achievement),
        "earned_count": achievement.earned.count(),
        "issued_count": achievement.issued_badges.count(),
    }
    return render(request, "achievements/achievement_detail.html", context)


@login_required
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _achievement(request, pk)
    # The form validates a copy: a rejected edit must not rename the page it is shown on.
    form = AchievementForm(request.POST or None, instance=copy.copy(achievement), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        achievement_update(achievement=achievement, **data)
        messages.success(request, f"Achievement “{achievement.name}” saved. The next evaluation checks it again.")
        return redirect("achievements:detail", pk=achievement.pk)
    return render(
        request, "achievements/achievement_form.html", {"form": form, "achievement": achievement, "creating": False}
    )


@login_required
@require_POST
def achievement_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Activate: first the preview (who qualifies already, how they are told), then activate."""
    achievement = _achievement(request, pk)
    if achievement.is_active:
        messages.info(request, f"“{achievement.name}” is already active.")
        return redirect("achievements:detail", pk=achievement.pk)
    notify = NotificationForm(
        request.POST if "confirm" in request.POST else None, initial={"notification": achievement.notification}
    )
    if "confirm" in request.POST and notify.is_valid():
        achievement_set_active(achievement=achievement, active=True, notification=notify.cleaned_data["notification"])
        messages.success(request, f"“{achievement.name}” is active: the next evaluation issues its badge.")
        return redirect("achievements:detail", pk=achievement.pk)
    requirement = requirements_of([achievement])[achievement.pk]
    return _preview(request, None, notify, requirement, badge=achievement.badge, name=achievement.name,
                    creating=False, achievement=achievement)  # fmt: skip


@login_required
@require_POST
def achievement_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = _achievement(request, pk)
    if achievement.is_active:
        achievement_set_active(achievement=achievement, active=False)
        messages.success(
            request, f"“{achievement.name}” is inactive: nobody receives its badge automatically; badges issued stay."
        )
    return redirect("achievements:detail", pk=achievement.pk)


@login_required
@require_POST
@administrators_only
def evaluate_now(request: HttpRequest) -> HttpResponse:
    """Evaluate now: enqueue the evaluator (the worker runs it); the list shows when it ran and what it did."""
    try:
        evaluate_achievements.delay(trigger="manual", requested_by_id=request.user.pk)
    except Exception:
        logger.exception("could not enqueue evaluate_achievements")
        messages.error(request, "The evaluation could not be queued: the task queue is unavailable. Try again later.")
    else:
        request.session[QUEUED_KEY] = timezone.now().isoformat()
        messages.success(request, "Evaluation queued. It runs in the background; its progress shows below.")
    return redirect("achievements:list")


def _preview(request, form, notify, requirement, *, badge, name, creating, achievement=None) -> HttpResponse:
    preview = achievement_preview(requirement=requirement, badge_id=badge.pk)
    context = {
        "form": form,
        "notify": notify,
        "preview": preview,
        "badge": badge,
        "name": name,
        "creating": creating,
        "achievement": achievement,
    }
    return render(request, "achievements/achievement_preview.html", context)

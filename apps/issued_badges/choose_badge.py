"""The Choose Badge dialog, one component for every page that issues one badge to one person (the roster,
a course assignment): it lists the badges, marks those held, and issues the chosen one through the door."""

import json

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.converters import MAX_ID

from .forms import NotifyField, notify_choice
from .models import IssuedBadge
from .outcomes import PairOutcome
from .services import IssueRequest, badges_issue


class IssueOneBadgeForm(forms.Form):
    """Select a Badge: one badge to one student."""

    badge = forms.IntegerField(min_value=1, max_value=MAX_ID)
    student = forms.IntegerField(min_value=1, max_value=MAX_ID)
    notify = NotifyField()


def render_choose_badge(request: HttpRequest, *, recipient, badges, issue_url: str, context_label: str) -> HttpResponse:
    """The Choose Badge dialog: ``badges`` for ``recipient``, those already held marked."""
    held = list(IssuedBadge.objects.filter(recipient=recipient, badge__in=badges).values_list("badge_id", "revoked_at"))
    context = {
        "recipient": recipient,
        "badges": badges,
        "held_ids": {badge_id for badge_id, _ in held},
        "revoked_ids": {badge_id for badge_id, revoked_at in held if revoked_at},
        "issue_url": issue_url,
        "context_label": context_label,
    }
    return render(request, "issued_badges/_choose_badge.html", context)


def select_a_badge(request: HttpRequest, *, back_url: str, **door_context) -> HttpResponse:
    """Select a Badge in the Choose Badge dialog: one badge to one student, through the door."""
    form = IssueOneBadgeForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, "That request was not understood: choose the badge again.")
            return redirect(back_url)
        return render(request, "issued_badges/_choose_badge_invalid.html", status=400)
    report = badges_issue(
        IssueRequest(
            badge_ids=[form.cleaned_data["badge"]],
            recipient_ids=[form.cleaned_data["student"]],
            actor=request.user,
            notify=notify_choice(form.cleaned_data["notify"]),
            **door_context,
        )
    )
    return render_choose_badge_result(request, report.outcomes[0], back_url=back_url)


def render_choose_badge_result(request: HttpRequest, outcome: PairOutcome, *, back_url: str) -> HttpResponse:
    """What Select a Badge shows: Successfully Issued Badge, or the reason it failed, inside the dialog."""
    if not request.htmx:  # no JavaScript: say it on the page we came from
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
        return redirect(back_url)
    response = render(request, "issued_badges/_choose_badge_result.html", {"outcome": outcome})
    if outcome.ok:
        response["HX-Trigger"] = json.dumps({"badgeIssued": {"recipient": outcome.recipient_id}})
    return response

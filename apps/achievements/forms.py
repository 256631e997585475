"""Achievement forms: they validate and never write (apps.achievements.services does)."""

import json

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from apps.access.policy import administered_organization_ids, descendant_ids
from apps.badges.models import Badge
from apps.core.forms import LaidOutForm
from apps.courses.models import Course, Lab, LearningPath
from apps.organizations.models import Organization

from .kinds import KINDS
from .models import Achievement

# The field each kind needs; the others are cleared.
TARGET_FIELD = {kind: spec.target for kind, spec in KINDS.items()}
TARGET_FIELDS = tuple(dict.fromkeys(TARGET_FIELD.values()))
POINTS_MESSAGE = "Enter the number of points to reach (1 or more)."
POINTS_LIMIT = 1_000_000_000
# A choice not in the list is another organization's object (or a tampered id): say so plainly.
NOT_YOURS = {
    "organization": "That organization is not one you administer: choose one from the list.",
    "badge": "That badge is not one of your organizations’ badges: choose one from the list.",
    "lab": "That lab is not one of your organizations’ labs: choose one from the list.",
    "course": "That course is not one of your organizations’ courses: choose one from the list.",
    "courses": "One of these courses is not one of your organizations’ courses: choose them from the list.",
    "learning_path": "That learning path is not one of your organizations’ learning paths: choose one from the list.",
}


def _group_by_organization(field, owner) -> None:
    """List the field's choices under their organization's name (validation still uses its queryset)."""
    groups: dict[str, list] = {}
    for obj in field.queryset:
        groups.setdefault(owner(obj).name, []).append((obj.pk, field.label_from_instance(obj)))
    blank = [("", field.empty_label)] if getattr(field, "empty_label", None) is not None else []
    field.choices = blank + sorted(groups.items())


class AchievementForm(LaidOutForm, forms.ModelForm):
    """What a student must do, and the badge it brings. Targets and badge come from the achievement's
    organization (the course, lab or path may also belong to one of its child organizations)."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)

    class Meta:
        model = Achievement
        fields = ["organization", "name", "description", "kind", *TARGET_FIELDS, "badge"]
        labels = {"lab": "Lab", "learning_path": "Learning path", "points_threshold": "Points"}
        help_texts = {
            "kind": "What the student must do.",
            "courses": "Every course of this set must be completed. Hold Ctrl (⌘ on a Mac) to choose several.",
            "learning_path": "Every course of the path and, when the path has one, its exam.",
            "points_threshold": "The badge is issued when the student's activity points reach this total.",
            "badge": "Issued automatically, once, to every student who meets this achievement.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "courses": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        admin_ids = administered_organization_ids(user)
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=admin_ids).order_by("name")
        if self.instance.pk:  # an achievement stays in its organization
            del self.fields["organization"]
        courses = Course.objects.filter(organization__in=admin_ids).select_related("organization").order_by("title")
        self.fields["course"].queryset = courses
        self.fields["courses"].queryset = courses
        self.fields["lab"].queryset = (
            Lab.objects.filter(course__organization__in=admin_ids)
            .select_related("course__organization")
            .order_by("course__title", "position")
        )
        self.fields["lab"].label_from_instance = lambda lab: f"{lab.course.title} — {lab.title}"
        self.fields["learning_path"].queryset = (
            LearningPath.objects.filter(organization__in=admin_ids).select_related("organization").order_by("title")
        )
        self.fields["badge"].queryset = (
            Badge.objects.filter(organization__in=admin_ids).select_related("organization").order_by("name")
        )
        if len(admin_ids) > 1:  # whose is each choice: under its organization's name
            for name in ("course", "courses", "learning_path", "badge"):
                _group_by_organization(self.fields[name], lambda obj: obj.organization)
            _group_by_organization(self.fields["lab"], lambda lab: lab.course.organization)
        for name, message in NOT_YOURS.items():
            if name in self.fields:
                self.fields[name].error_messages.update(invalid_choice=message, invalid_pk_value=message)
        # One rule, one message: 0 and negative thresholds get the same words as a missing one.
        points = self.fields["points_threshold"]
        points.validators = [v for v in points.validators if not isinstance(v, MinValueValidator | MaxValueValidator)]
        points.validators += [
            MinValueValidator(1, message=POINTS_MESSAGE),
            MaxValueValidator(POINTS_LIMIT, message=f"Points: enter a total of at most {POINTS_LIMIT:,}."),
        ]
        points.widget.attrs.update(min=1, max=POINTS_LIMIT)
        self.fields["kind"].widget.attrs["data-kind-select"] = json.dumps(TARGET_FIELD)
        for name in TARGET_FIELDS:
            self.fields[name].required = False
            self.fields[name].widget.attrs["data-kind-target"] = name

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        if not kind or organization is None:
            return cleaned
        wanted = TARGET_FIELD[kind]
        value = cleaned.get(wanted)
        label = self.fields[wanted].label.lower()
        if wanted in self.errors:  # already said what is wrong with it (not in the list, below 1)
            pass
        elif wanted == "points_threshold":
            if value is None or value <= 0:
                self.add_error("points_threshold", POINTS_MESSAGE)
        elif wanted == "courses":
            if not value:
                self.add_error("courses", "Choose at least one course: an empty set can never be completed.")
        elif value is None:
            self.add_error(wanted, f"Choose the {label} of this achievement.")
        # Everything must belong to the achievement's organization (targets: or one of its children).
        family = descendant_ids([organization.pk])
        badge = cleaned.get("badge")
        if badge is not None and badge.organization_id != organization.pk:
            self.add_error("badge", f"Choose a badge of {organization}: this one belongs to {badge.organization}.")
        owners = {
            "course": lambda course: course.organization_id,
            "lab": lambda lab: lab.course.organization_id,
            "learning_path": lambda path: path.organization_id,
        }
        if wanted in owners and value is not None and owners[wanted](value) not in family:
            self.add_error(wanted, f"Choose a {label} of {organization}: this one belongs to another organization.")
        if wanted == "courses" and value and any(course.organization_id not in family for course in value):
            self.add_error(
                "courses", f"Choose courses of {organization}: some of these belong to another organization."
            )
        for name in TARGET_FIELDS:  # the other kinds' fields are not kept
            if name != wanted:
                cleaned[name] = [] if name == "courses" else None
        return cleaned


class NotificationForm(LaidOutForm, forms.Form):
    """The preview's question: how are the students who qualify told?"""

    notification = forms.ChoiceField(
        label="How are students told?",
        choices=Achievement.Notification.choices,
        initial=Achievement.Notification.EACH,
        widget=forms.RadioSelect,
    )

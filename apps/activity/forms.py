"""Activity forms: filter the list, record one activity, upload a CSV file. They validate and never write."""

import json

from django import forms
from django.utils import timezone

from apps.access.policy import administered_organization_ids
from apps.accounts.models import User
from apps.core.forms import LaidOutForm
from apps.courses.models import Lab

from .models import ActivityKind
from .selectors import activity_courses, activity_labs, activity_learning_paths, activity_students
from .services import MAX_BYTES, MAX_POINTS, TARGET_FIELD, occurred_at_problem


class _CatalogChoiceField(forms.ModelChoiceField):
    """Shows each item by the code a CSV file uses for it, with its organization when there are several."""

    show_organization = False

    def __init__(self, *, code, **kwargs):
        super().__init__(queryset=None, required=False, **kwargs)
        self.code = code

    def label_from_instance(self, obj) -> str:
        label = f"{self.code(obj)} — {obj.title}"
        organization = obj.course.organization if isinstance(obj, Lab) else obj.organization
        return f"{label} ({organization})" if self.show_organization else label


class ActivityRecordForm(LaidOutForm, forms.Form):
    """One activity of one student. Only the target the kind needs is kept (the others are ignored)."""

    student = forms.CharField(label="Student's username", max_length=150)
    kind = forms.ChoiceField(label="Activity", choices=[("", "Choose…"), *ActivityKind.choices])
    course = _CatalogChoiceField(code=lambda course: course.code, help_text="For “Course completed”.")
    lab = _CatalogChoiceField(
        code=lambda lab: f"{lab.course.code}/{lab.code}", help_text="For “Lab launched” and “Lab completed”."
    )
    learning_path = _CatalogChoiceField(
        code=lambda path: path.code,
        label="Learning path",
        help_text="For “Learning path exam passed”: paths with a final exam.",
    )
    points = forms.IntegerField(min_value=0, max_value=MAX_POINTS, initial=0)
    occurred_at = forms.DateTimeField(
        label="Occurred at",
        help_text="Not in the future.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["course"].queryset = activity_courses(user=user)
        self.fields["lab"].queryset = activity_labs(user=user)
        self.fields["learning_path"].queryset = activity_learning_paths(user=user)
        several = len(administered_organization_ids(user)) > 1
        for name in ("course", "lab", "learning_path"):
            self.fields[name].show_organization = several
        self.fields["kind"].widget.attrs["data-kind-select"] = json.dumps(TARGET_FIELD)
        for name in ("course", "lab", "learning_path"):
            self.fields[name].widget.attrs["data-kind-target"] = name
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["occurred_at"].initial = now
        self.fields["occurred_at"].widget.attrs["max"] = now.strftime("%Y-%m-%dT23:59")

    def clean_student(self) -> User:
        username = self.cleaned_data["student"].strip()
        student = activity_students(user=self.user).by_username([username])(username)
        if student is None:
            raise forms.ValidationError(f"No student “{username}” in your organizations.")
        return student

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if problem := occurred_at_problem(occurred_at):
            raise forms.ValidationError(f"The activity {problem}.")
        return occurred_at

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            needed = TARGET_FIELD[kind]
            for name in ("course", "lab", "learning_path"):
                if name != needed:
                    cleaned[name] = None
                elif cleaned.get(name) is None and name not in self.errors:
                    label = self[name].label.lower()
                    self.add_error(name, f"Choose the {label} for “{ActivityKind(kind).label}”.")
        return cleaned


class ActivityImportForm(LaidOutForm, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, at most 2 MB and 10,000 rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB: split it into smaller files.")
        return upload

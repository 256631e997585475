"""Course assignment forms: they validate and never write."""

from django import forms

from apps.access.policy import reachable_people
from apps.accounts.models import User
from apps.courses.models import Course


class AssignmentFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "All"), ("active", "Active"), ("expired", "Expired")], label="Status"
    )


class CourseAssignmentForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    student = forms.CharField(label="Student's username", max_length=150)
    days = forms.IntegerField(label="Duration (days)", min_value=1, max_value=730, initial=90)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["course"].queryset = (
            Course.objects.administered_by(user).select_related("organization").order_by("title")
        )

    def clean(self):
        data = super().clean()
        course, username = data.get("course"), data.get("student", "").strip()
        if course is not None and username:
            # The people of the course's organization the administrator may reach (the access policy).
            data["student"] = reachable_people(self.user, course.organization_id).by_username([username])(username)
            if data["student"] is None:
                self.add_error("student", f"No student “{username}” in your organizations.")
        return data

"""Course assignment forms: they validate and never write."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from apps.access.policy import is_staff_of, reachable_people
from apps.accounts.models import User
from apps.courses.models import Course

from .selectors import active_assignment


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
        cancel_url = reverse("assignments:list")
        self.helper = FormHelper()
        self.helper.form_class = "card mw-40"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Div(
                HTML(
                    '<p class="text-body-secondary">The student gets access to the course at once, '
                    "for the duration you choose.</p>"
                ),
                "course",
                "student",
                "days",
                css_class="card-body",
            ),
            Div(
                HTML(format_html('<a class="btn btn-outline-secondary" href="{}">Cancel</a>', cancel_url)),
                StrictButton("Assign", type="submit", css_class="btn-primary"),
                css_class="card-footer bg-body d-flex justify-content-end gap-2",
            ),
        )

    def clean(self):
        data = super().clean()
        course, username = data.get("course"), data.get("student", "").strip()
        if course is not None and username:
            # The people of the course's organization the administrator may reach (the access policy).
            student = reachable_people(self.user, course.organization_id).by_username([username])(username)
            data["student"] = student
            if student is None:
                self.add_error("student", f"No student “{username}” in your organizations.")
            elif is_staff_of(student, course.organization_id):
                self.add_error(
                    "student",
                    f"“{student.username}” is an administrator or instructor of {course.organization}: "
                    "course assignments are for students.",
                )
            elif current := active_assignment(course=course, student=student):
                self.add_error("student", already_assigned(current))
        return data


def already_assigned(current) -> str:
    """Why a second active assignment of the same course to the same student is refused."""
    return (
        f"{current.student.display_name} already has “{current.course.title}” until "
        f"{date_format(timezone.localtime(current.expires_at), 'M j, Y')}: open that assignment instead."
    )

"""Course assignment forms: they validate and never write."""

from django import forms

from apps.accounts.models import User
from apps.courses.models import Course
from apps.organizations.querysets import administered_organization_ids


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

    def clean_student(self) -> User:
        username = self.cleaned_data["student"].strip()
        admin_ids = administered_organization_ids(self.user)
        student = User.objects.filter(username__iexact=username, is_active=True).first()
        if student is None or student.organization_id not in admin_ids:
            raise forms.ValidationError(f"No student “{username}” in your organizations.")
        return student

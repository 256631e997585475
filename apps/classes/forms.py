"""Forms of the issuing pages: they parse ids and leave every rule to the issuing door."""

from django import forms

from apps.core.converters import MAX_ID
from apps.core.forms import IdListField
from apps.issued_badges.forms import NotifyField


class IssueBadgesForm(forms.Form):
    """The Issue Badges page: several badges × several students."""

    key = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": "This form has expired: reload the page and choose again."},
    )
    badges = IdListField(max_items=100, noun="badge", error_messages={"required": "Add at least one badge."})
    students = IdListField(max_items=5000, noun="student", error_messages={"required": "Add at least one student."})
    notify = NotifyField()


class StudentChoiceForm(forms.Form):
    """Which student the Choose Badge dialog is for (?student=…)."""

    student = forms.IntegerField(min_value=1, max_value=MAX_ID)

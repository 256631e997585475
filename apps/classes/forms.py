"""Forms of the issuing pages: they parse ids and leave every rule to the issuing door."""

from django import forms

from apps.core.converters import MAX_ID


class IdListField(forms.Field):
    """A list of positive integer ids from repeated inputs (``?badges=1&badges=2``)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_items: int, noun: str, **kwargs):
        self.max_items, self.noun = max_items, noun
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        ids = []
        for item in value:
            try:
                number = int(item)
            except (TypeError, ValueError):
                raise forms.ValidationError(f"“{item}” is not a valid {self.noun} id.", code="invalid") from None
            if not 0 < number <= MAX_ID:
                raise forms.ValidationError(f"“{item}” is not a valid {self.noun} id.", code="invalid")
            ids.append(number)
        ids = list(dict.fromkeys(ids))
        if len(ids) > self.max_items:
            raise forms.ValidationError(f"Choose at most {self.max_items} {self.noun}s at a time.", code="too_many")
        return ids


class IssueBadgesForm(forms.Form):
    """The Issue Badges page: several badges × several students."""

    key = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": "This form has expired: reload the page and choose again."},
    )
    badges = IdListField(max_items=100, noun="badge", error_messages={"required": "Add at least one badge."})
    students = IdListField(max_items=5000, noun="student", error_messages={"required": "Add at least one student."})


class IssueOneBadgeForm(forms.Form):
    """Choose Badge: one badge to one student."""

    badge = forms.IntegerField(min_value=1, max_value=MAX_ID)
    student = forms.IntegerField(min_value=1, max_value=MAX_ID)


class StudentChoiceForm(forms.Form):
    """Which student the Choose Badge dialog is for (?student=…)."""

    student = forms.IntegerField(min_value=1, max_value=MAX_ID)

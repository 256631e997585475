"""Forms for revoking and reinstating: they validate and never write."""

from django import forms

from apps.core.forms import IdListField


class RevokeForm(forms.Form):
    ids = IdListField(max_items=1000, noun="issued badge", error_messages={"required": "Choose what to revoke."})
    reason = forms.CharField(
        max_length=1000,
        error_messages={"required": "Give a reason: it is kept with the badge and shown in its history."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason: it is kept with the badge and shown in its history.")
        return reason


class ReinstateForm(forms.Form):
    ids = IdListField(max_items=1000, noun="issued badge")
    reason = forms.CharField(max_length=1000, required=False)

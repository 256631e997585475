"""Forms for revoking and reinstating: they validate and never write."""

from django import forms

from apps.core.forms import IdListField


class ReasonField(forms.CharField):
    """Why a badge is revoked or reinstated: required, kept in its history (blank once stripped is no reason)."""

    def __init__(self, verb: str, **kwargs):
        message = f"Give a reason to {verb}: it is kept with the badge and shown in its history."
        super().__init__(max_length=1000, strip=True, error_messages={"required": message}, **kwargs)


class RevokeForm(forms.Form):
    ids = IdListField(max_items=1000, noun="issued badge", error_messages={"required": "Choose what to revoke."})
    reason = ReasonField("revoke")


class ReinstateForm(forms.Form):
    ids = IdListField(max_items=1000, noun="issued badge", error_messages={"required": "Choose what to reinstate."})
    reason = ReasonField("reinstate")

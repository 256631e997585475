"""Forms for revoking and reinstating: they validate and never write."""

from django import forms

from apps.core.forms import IdListField


class NotifyField(forms.BooleanField):
    """ "Notify students": e-mail each recipient their new badge (checked by default). A form sent without it —
    the box unchecked — tells nobody."""

    def __init__(self, label: str = "Notify students", **kwargs):
        help_text = "E-mail each student their new badge, with its verification page and share links."
        super().__init__(label=label, required=False, initial=True, help_text=help_text, **kwargs)


def notify_choice(checked: bool) -> str:
    """The door's ``notify`` for a checked (or unchecked) Notify students box."""
    return "each" if checked else ""


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

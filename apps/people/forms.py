"""The User profile's Assign a badge form: one badge from a drop-down, validated against what may be assigned."""

from django import forms

from apps.badges.models import Badge
from apps.issued_badges.forms import NotifyField


class BadgeSelect(forms.Select):
    """The drop-down: a badge the person already has is shown, disabled, with why ("held", "revoked")."""

    def __init__(self, *args, held: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.held = held

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        state = self.held.get(value)
        if state:
            option["label"] = f"{label} ({state})"
            option["attrs"]["disabled"] = True
        return option


class AssignBadgeForm(forms.Form):
    """``badges``: what the viewer may assign the person (their organizations' manually issuable, active badges);
    any other id — another organization's, not manually issuable, made up — is refused here, nothing written.
    ``key`` makes the submission idempotent at the door."""

    key = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": "This form has expired: reload the page and try again."},
    )
    badge = forms.ModelChoiceField(
        queryset=Badge.objects.none(),
        label="Badge",
        empty_label="Choose a badge…",
        error_messages={
            "required": "Choose a badge to assign.",
            "invalid_choice": "That badge cannot be assigned here: choose one of the badges listed.",
        },
    )
    notify = NotifyField(label="Notify the student by e-mail")

    def __init__(self, *args, badges, offered: list[Badge], held: dict[int, str], **kwargs):
        """``badges`` validate the choice (a query on submission); ``offered`` are the same badges read once for
        the drop-down, named with their organization when they are of several."""
        super().__init__(*args, **kwargs)
        field = self.fields["badge"]
        field.queryset = badges
        several = len({badge.organization_id for badge in offered}) > 1
        field.widget = BadgeSelect(held=held, attrs={"class": "form-select"})
        field.widget.choices = [("", field.empty_label)] + [
            (badge.pk, f"{badge.name} · {badge.organization.name}" if several else badge.name) for badge in offered
        ]

    @property
    def first_error(self) -> str:
        return next((error for errors in self.errors.values() for error in errors), "")

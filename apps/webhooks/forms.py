"""The webhook form: it validates and never writes (apps.webhooks.services does)."""

from django import forms

from apps.core.forms import LaidOutForm
from apps.organizations.models import Organization

from .events import EVENT_CHOICES, SUBSCRIBABLE
from .validators import MAX_LENGTH, url_refusal


class WebhookForm(LaidOutForm, forms.Form):
    """A URL and the events it is sent, for one of the organizations the person administers (chosen when they
    administer several)."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text="It is sent the events of this organization and of its child organizations.",
        error_messages={"invalid_choice": "That organization is not one you administer: choose one from the list."},
    )
    url = forms.CharField(
        label="URL",
        max_length=MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/badges", "autocomplete": "off"}),
        help_text="Where the portal sends each event by HTTP POST, signed per Standard Webhooks.",
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        initial=list(SUBSCRIBABLE),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(organizations)  # read once: the dropdown lists these, validation asks the queryset
        self.only_organization = choices[0] if len(choices) == 1 else None
        if self.only_organization is not None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
            self.fields["organization"].choices = [(organization.pk, organization.name) for organization in choices]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if refusal := url_refusal(url):
            raise forms.ValidationError(refusal, code="invalid")
        return url

    def clean(self):
        data = super().clean()
        if self.only_organization is not None:
            data["organization"] = self.only_organization
        return data

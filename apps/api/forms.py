"""The API keys page's form: it validates and never writes."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from apps.organizations.models import Organization


class ApiKeyForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)
    name = forms.CharField(
        max_length=100,
        help_text="What calls the API with it, e.g. “Learning platform” or “Lab host”.",
        widget=forms.TextInput(attrs={"placeholder": "Learning platform", "autocomplete": "off"}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].help_text = "The key acts for this organization and the ones under it."
        self.helper = FormHelper()
        self.helper.form_class = "card"
        self.helper.layout = Layout(
            Div("organization", "name", css_class="card-body pb-0"),
            Div(
                StrictButton("Create API key", type="submit", name="create", css_class="btn-primary"),
                css_class="card-footer bg-body d-flex justify-content-end",
            ),
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name

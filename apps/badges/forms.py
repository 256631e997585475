"""Badge forms: they validate and never write (apps.badges.services does)."""

from django import forms

from apps.organizations.models import Organization

from .models import Badge


class BadgeForm(forms.ModelForm):
    """Basic Information: Enable Manual Issuance sits at its bottom, as users know it."""

    class Meta:
        model = Badge
        fields = ["name", "description", "criteria", "image", "is_active", "manual_issuance_enabled"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "image": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
        }
        help_texts = {
            "image": "PNG, SVG or JPEG, smaller than 2 MB.",
            "is_active": "Inactive badges cannot be issued, by hand or automatically.",
        }

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.badge_organization = organization or getattr(self.instance, "organization", None)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self.badge_organization is not None:
            clash = Badge.objects.filter(organization=self.badge_organization, name__iexact=name).exclude(
                pk=self.instance.pk
            )
            if clash.exists():
                raise forms.ValidationError(f"{self.badge_organization} already has a badge named “{name}”.")
        return name


class BadgeCreateForm(BadgeForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)

    class Meta(BadgeForm.Meta):
        fields = ["organization", *BadgeForm.Meta.fields]

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_name(self) -> str:
        # The organization is chosen on this form: validate the name against it (see clean()).
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        self.badge_organization = cleaned.get("organization")
        if self.badge_organization and cleaned.get("name"):
            try:
                cleaned["name"] = BadgeForm.clean_name(self)
            except forms.ValidationError as error:
                self.add_error("name", error)
        return cleaned

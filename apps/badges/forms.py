"""Badge forms: they validate and never write (apps.badges.services does)."""

import re

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


AWARD_LIMIT = 50
_SEPARATORS = re.compile(r"[\s,;]+")


class AwardBadgeForm(forms.Form):
    """Award Badge: up to 50 usernames, separated by commas or new lines (a pasted spreadsheet column works).

    ``people`` are those the badge may be awarded to; a username outside them is reported as not found, as
    one that does not exist (other organizations' users are never confirmed)."""

    key = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": "This form has expired: reload the page and try again."},
    )
    usernames = forms.CharField(
        label="To",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        help_text=f"Usernames, separated by commas, spaces or new lines — up to {AWARD_LIMIT} at a time.",
        error_messages={"required": "Enter at least one username."},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people

    def clean_usernames(self) -> list[int]:
        """The users named, in the order given (each once); every unknown username named in one message."""
        names = list(dict.fromkeys(name for name in _SEPARATORS.split(self.cleaned_data["usernames"]) if name))
        if not names:
            raise forms.ValidationError("Enter at least one username.", code="required")
        if len(names) > AWARD_LIMIT:
            raise forms.ValidationError(
                f"Enter at most {AWARD_LIMIT} usernames at a time (you entered {len(names)}).", code="too_many"
            )
        lookup = self.people.by_username(names)
        found = {name: lookup(name) for name in names}
        unknown = [name for name, person in found.items() if person is None]
        if unknown:
            listed = ", ".join(f"“{name if len(name) <= 40 else name[:40] + '…'}”" for name in unknown[:10])
            listed += f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            noun = "This username was" if len(unknown) == 1 else f"These {len(unknown)} usernames were"
            raise forms.ValidationError(f"{noun} not found: {listed}. Nothing was awarded.", code="unknown")
        return list(dict.fromkeys(person.pk for person in found.values()))

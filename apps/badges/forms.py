"""Badge forms: they validate and never write (apps.badges.services does)."""

import re

from crispy_forms.bootstrap import StrictButton, Tab, TabHolder
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, LayoutObject, Row
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from apps.issued_badges.forms import NotifyField
from apps.organizations.models import Organization

from .images import clean_badge_image
from .models import Badge


class CardTabs(TabHolder):
    """Tabs in a card's header (Bootstrap's ``card-header-tabs``), their panes in the card's body."""

    template = "badges/layout/tabs.html"


class CardTab(Tab):
    """One tab of ``CardTabs``: an accessible tab button and its pane."""

    template = "badges/layout/tab_pane.html"

    def render_link(self, template_pack=TEMPLATE_PACK, **kwargs):
        return render_to_string("badges/layout/tab_link.html", {"link": self})


class Markup(LayoutObject):
    """HTML built (and escaped) in Python, written as is. Crispy's ``HTML`` compiles its text as a template,
    which text holding a badge's name must never be."""

    def __init__(self, html: str):
        self.fields = []
        self.html = html

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        return self.html


def _footer(cancel_url: str, *buttons) -> Div:
    return Div(
        Markup(format_html('<a class="btn btn-outline-secondary" href="{}">Cancel</a>', cancel_url)),
        *buttons,
        css_class="card-footer bg-body d-flex gap-2 justify-content-end",
    )


class BadgeForm(forms.ModelForm):
    """Basic Information: Enable Manual Issuance sits at its bottom, as users know it; then, when editing,
    the Achievements that issue the badge; Save."""

    class Meta:
        model = Badge
        fields = ["name", "description", "criteria", "image", "is_active", "manual_issuance_enabled"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "image": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/svg+xml,image/gif,image/webp"}
            ),
        }
        help_texts = {
            "image": "PNG, SVG or JPEG, smaller than 2 MB. The portal keeps its own copy of the picture.",
            "is_active": "Inactive badges cannot be issued, by hand or automatically.",
        }

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.badge_organization = organization or getattr(self.instance, "organization", None)
        self.helper = self._helper()

    def clean_image(self):
        """A new upload is replaced by the portal's own copy of the picture (images.py); nothing else is kept."""
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return clean_badge_image(image)
        return image

    def _helper(self) -> FormHelper:
        editing = self.instance.pk is not None
        details = [name for name in ("organization", "name", "description", "criteria") if name in self.fields]
        preview = [HTML('<div class="mb-2">{% include "includes/badge_image.html" with size=96 %}</div>')]
        basic = CardTab(
            "Basic Information",
            Row(
                Column(*details, css_class="col-lg-8"),
                Column(*(preview if editing else []), "image", css_class="col-lg-4"),
                css_class="g-3",
            ),
            "is_active",
            Div("manual_issuance_enabled", css_class="manual-issuance border-top pt-3 mt-2"),
            css_id="basic",
        )
        tabs = [basic]
        if editing:
            tabs.append(
                CardTab("Achievements", HTML('{% include "badges/_badge_achievements.html" %}'), css_id="achievements")
            )
        helper = FormHelper()
        helper.form_class = "card"
        helper.attrs = {"novalidate": ""}
        cancel = reverse("badges:detail", args=[self.instance.pk]) if editing else reverse("badges:list")
        helper.layout = Layout(
            CardTabs(*tabs), _footer(cancel, StrictButton("Save", type="submit", css_class="btn-primary"))
        )
        return helper

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
    notify = NotifyField()

    def __init__(self, *args, people, badge: Badge, blocked: str = "", **kwargs):
        """``people`` may receive ``badge``; ``blocked`` says why it cannot be awarded now (the form is disabled)."""
        super().__init__(*args, **kwargs)
        self.people = people
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        disabled = {"disabled": True} if blocked else {}
        notice = ""
        if blocked:
            notice = format_html(
                '<div class="alert alert-warning d-flex gap-2" role="alert"><i class="bi bi-exclamation-triangle" '
                'aria-hidden="true"></i><div>{} <a class="alert-link" href="{}">Edit the badge</a></div></div>',
                blocked,
                reverse("badges:edit", args=[badge.pk]),
            )
        self.helper.layout = Layout(
            Div(
                Markup(notice),
                HTML(  # a hidden field's errors are not shown by crispy
                    '{% if form.key.errors %}<div class="alert alert-danger" role="alert">'
                    '{{ form.key.errors|join:" " }}</div>{% endif %}'
                ),
                "key",
                Fieldset("", "usernames", "notify", template="badges/layout/fieldset.html", **disabled),
                HTML(
                    '<p class="small text-body-secondary mb-0"><i class="bi bi-info-circle me-1" aria-hidden="true">'
                    "</i>Pasting a spreadsheet column works. If a username is not found, nothing is awarded until "
                    "the list is corrected. The next page lists every badge awarded, and among the failed "
                    "issuances anyone who already held it.</p>"
                ),
                css_class="card-body",
            ),
            _footer(
                reverse("badges:detail", args=[badge.pk]),
                StrictButton(
                    '<i class="bi bi-award me-1" aria-hidden="true"></i>Award Badge',
                    type="submit",
                    css_class="btn-primary",
                    **disabled,
                ),
            ),
        )

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

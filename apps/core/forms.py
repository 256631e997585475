"""What every app's forms share: the id-list field, and the crispy layout of a form inside a page's own form."""

from functools import cached_property

from crispy_forms.helper import FormHelper
from django import forms

from .converters import MAX_ID


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


class LaidOutForm:
    """A form rendered by ``{% crispy form %}`` inside the page's own ``<form>``, whose buttons the page writes:
    its crispy layout is its fields in order (those removed in ``__init__`` left out), errors included."""

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True  # the page's form has its token
        return helper

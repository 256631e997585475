"""Form fields every app's forms share."""

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

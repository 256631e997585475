"""List pages' filter bars: a FilterSet base with the word-by-word ``q`` search, rendered by one crispy layout.

Every list page filters through a subclass of ``ListFilterSet``: its queryset and dropdown choices are the
viewer's own (set by the subclass from the access policy, in ``__init__``, from ``request``), its form renders
with ``{% crispy filter.form %}`` as one responsive row of labelled controls ending with a submit button, and
``filter.rows`` is what the page lists.

Invalid filter values — one rule everywhere: **an invalid value lists nothing, never the unfiltered list.**
``?badge=abc``, another organization's id, ``?sort=xyz`` or ``?issued_from=someday`` make ``rows`` empty and
the bar's error summary names each wrong value by its control's label (“Sort by: “xyz” is not a column to
sort by.”), hidden controls included; the page says nothing is listed until they are corrected. Ignoring the
value instead would show rows that look filtered but are not. A CSV export over the same filters refuses
with 400 and the same reasons (``apps.core.csv_export.refuse_invalid_filters``) rather than an empty file.
A dropdown left out for having too few choices (``offer(at_least=…)``) still validates its parameter, as a
hidden control, so the rule does not depend on how many organizations the viewer has.

The bar's layout objects write their HTML directly instead of rendering a template per field and per option:
Find Issued Badges renders ten controls, some with long lists, on a page that must answer in milliseconds.
"""

import functools
import html
import operator

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.db.models import Q, QuerySet
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

SEARCH_WORDS = 5  # words of ``q`` that count: a pasted paragraph does not become fifty LIKE conditions
ERRORS_ID = "filter-errors"
SHOWN_VALUE = 60  # characters of a wrong value quoted back
# What is wrong with a value, by the kind of control (Django's own say "Select a valid choice" or "Enter a
# valid date" without the value, which a hidden control or a date picker does not show either).
NOT_A_CHOICE = "“%(value)s” is not one of the choices."
NOT_A_SORT = "“%(value)s” is not a column to sort by."
NOT_VALID = {forms.DateField: "a date (e.g. 2026-03-01)", forms.IntegerField: "a whole number"}


class SearchFilter(django_filters.CharFilter):
    """The ``q`` box: every word typed must match one of the FilterSet's ``search_fields`` ("ava ngu")."""

    def __init__(self, *, label: str, placeholder: str = "", **kwargs):
        kwargs.setdefault("widget", forms.SearchInput(attrs={"placeholder": placeholder or label}))
        super().__init__(label=label, method="search", max_length=100, **kwargs)


class ListFilterSet(django_filters.FilterSet):
    """A list page's filters. Subclasses declare their filters and set their dropdowns' choices in
    ``__init__`` from ``self.request.user`` (``offer``); the words of the bar are class attributes."""

    search_fields: tuple[str, ...] = ()  # what each word of ``q`` may match (icontains)
    whole_phrase = False  # True: ``q`` is matched as typed, not word by word
    bar_label = "Filter"  # the search landmark's accessible name
    submit_label = "Filter"
    submit_icon = "funnel"
    bar_class = "card card-body mb-3"
    column = "col-12 col-sm-6 col-lg-3"  # each control's column
    columns: dict[str, str] = {}  # a column per control name, and "buttons"
    carried: tuple[str, ...] = ()  # validated but not shown: kept as hidden inputs (the sort of the column links)

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.hidden: set[str] = set(self.carried)

    def offer(self, name: str, choices, *, at_least: int = 0) -> None:
        """Set a dropdown's choices: the viewer's own rows as (id, label) pairs. They also validate what is
        submitted, so a chosen id costs no query. Fewer than ``at_least`` choices: the dropdown is not shown,
        but a submitted value is still validated (a hidden control) — never silently ignored."""
        choices = list(choices)
        self.filters[name].extra["choices"] = choices
        if len(choices) < at_least:
            self.hidden.add(name)

    def word_matches(self, word: str) -> Q:
        """The condition one word of ``q`` must meet."""
        return functools.reduce(operator.or_, (Q(**{f"{field}__icontains": word}) for field in self.search_fields))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for word in [value] if self.whole_phrase else value.split()[:SEARCH_WORDS]:
            condition &= self.word_matches(word)
        return queryset.filter(condition)

    @property
    def rows(self) -> QuerySet:
        """The filtered rows; none when any value is invalid (the form says which) rather than ignoring it."""
        return self.queryset.none() if self.invalid else self.qs

    @property
    def invalid(self) -> bool:
        """Is any submitted value invalid? Then nothing is listed or exported (the module's rule)."""
        return self.is_bound and not self.form.is_valid()

    @property
    def problems(self) -> list[str]:
        """Each error of the submitted values, named by its control's label: “Badge: “abc” is not one of …”."""
        return _problems(self.form) if self.invalid else []

    def cleaned(self, name: str, default=""):
        """A filter's valid value (for the page's words: "No class matches “…”.")."""
        if not self.is_bound or not self.form.is_valid():
            return default
        return self.form.cleaned_data.get(name) or default

    @property
    def form(self):
        form = super().form
        if not hasattr(form, "helper"):
            self._name_wrong_values(form)
            form.helper = self.form_helper(tuple(form.fields), tuple(sorted(self.hidden)))
        return form

    def _name_wrong_values(self, form) -> None:
        """Error messages that quote the wrong value (the form is not validated yet: its fields are its own)."""
        for name, field in form.fields.items():
            if isinstance(self.filters.get(name), django_filters.OrderingFilter):
                field.error_messages["invalid_choice"] = NOT_A_SORT
            elif "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = NOT_A_CHOICE
            value = form.data.get(form.add_prefix(name)) if form.is_bound else None
            if "invalid" in field.error_messages and isinstance(value, str):
                # Raised without parameters: the value goes into the message itself, not %-formatted.
                what = next((text for kind, text in NOT_VALID.items() if isinstance(field, kind)), "valid")
                field.error_messages["invalid"] = f"{_quoted(value)} is not {what}."

    @classmethod
    @functools.lru_cache(maxsize=64)
    def form_helper(cls, names: tuple[str, ...], hidden: tuple[str, ...] = ()) -> FormHelper:
        """The bar's crispy helper, built once per FilterSet and set of controls (it holds no request state)."""
        helper = FormHelper()
        helper.form_method = "get"
        helper.form_tag = True
        helper.disable_csrf = True
        helper.form_show_errors = False  # ErrorSummary lists every error with its control's label
        helper.include_media = False
        helper.form_class = f"filter-bar {cls.bar_class}"
        helper.attrs = {"role": "search", "aria-label": cls.bar_label}
        hidden = {*cls.carried, *hidden}
        shown = [name for name in names if name not in hidden]
        helper.layout = Layout(
            ErrorSummary(),
            BarRow(
                *(BarField(name, css_class=cls.columns.get(name, cls.column)) for name in shown),
                BarButtons(
                    cls.submit_label, icon=cls.submit_icon, css_class=cls.columns.get("buttons", "col-12 col-md-auto")
                ),
            ),
            *(Carried(name) for name in names if name in hidden),
        )
        return helper


def _problems(form) -> list[str]:
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(Truncator(f"{label}: {error}" if label else error).chars(200) for error in errors)
    return lines


def _quoted(value: str) -> str:
    value = value.strip()
    return f"“{value[:SHOWN_VALUE]}…”" if len(value) > SHOWN_VALUE else f"“{value}”"


# --- The bar's layout objects: crispy Layout pieces that write their HTML without templates ---------------------


class BarRow(LayoutObject):
    """One responsive row: controls wrap onto further lines on narrow screens, bottoms aligned."""

    def __init__(self, *fields):
        self.fields = list(fields)

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        inner = SafeString("".join(field.render(form, context, template_pack) for field in self.fields))
        return format_html('<div class="row g-2 align-items-end">{}</div>', inner)


class BarField(LayoutObject):
    """A labelled control in its column: a select for a choice field, an input otherwise."""

    def __init__(self, name: str, *, css_class: str):
        self.fields = [name]
        self.name, self.css_class = name, css_class

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        bound = form[self.name]
        form.rendered_fields.add(self.name)
        widget = bound.field.widget
        attrs = {"name": bound.html_name, "id": bound.auto_id}
        if bound.errors:
            attrs.update({"aria-invalid": "true", "aria-describedby": ERRORS_ID})
        if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
            control = _select(bound, attrs)
        elif isinstance(widget, Input):
            control = _input(bound, widget, attrs)
        else:  # anything else: Django's own widget
            css = "form-control form-control-sm" + (" is-invalid" if bound.errors else "")
            control = bound.as_widget(attrs={**{k: v for k, v in attrs.items() if k != "name"}, "class": css})
        return format_html(
            '<div class="{}"><label class="form-label small mb-1" for="{}">{}</label>{}</div>',
            self.css_class,
            bound.auto_id,
            bound.label,
            control,
        )


def _attributes(attrs: dict) -> str:
    return "".join(f' {key}="{html.escape(str(value))}"' for key, value in attrs.items() if value is not None)


def _select(bound, attrs: dict) -> SafeString:
    """The options are written directly: a template per option costs milliseconds on a long list."""
    value = bound.value()
    current = "" if value is None else str(value)
    options = []
    for choice, label in bound.field.choices:
        if isinstance(label, (list, tuple)):  # a group
            inner = "".join(_option(sub, sub_label, current) for sub, sub_label in label)
            options.append(f'<optgroup label="{html.escape(str(choice))}">{inner}</optgroup>')
        else:
            options.append(_option(choice, label, current))
    css = "form-select form-select-sm" + (" is-invalid" if bound.errors else "")
    return mark_safe(f'<select class="{css}"{_attributes(attrs)}>{"".join(options)}</select>')  # noqa: S308 - escaped


def _option(value, label, current: str) -> str:
    value = str(value)
    selected = " selected" if value == current else ""
    return f'<option value="{html.escape(value)}"{selected}>{html.escape(str(label))}</option>'


def _input(bound, widget: Input, attrs: dict) -> SafeString:
    value = widget.format_value(bound.value())
    extra = {key: value for key, value in widget.attrs.items() if key != "class"}
    css = "form-control form-control-sm" + (" is-invalid" if bound.errors else "")
    attributes = _attributes({"type": widget.input_type, **attrs, **extra, "value": value})
    return mark_safe(f'<input class="{css}"{attributes}>')  # noqa: S308 - every value escaped


class BarButtons(LayoutObject):
    """The submit button at the row's end, after Clear (back to the unfiltered list) when something is filtered."""

    def __init__(self, label: str, *, icon: str, css_class: str):
        self.fields = []
        self.label, self.icon, self.css_class = label, icon, css_class

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        clear = ""
        if form.is_bound and any(form.data.get(form.add_prefix(name)) for name in form.fields):
            request = context.get("request")
            clear = format_html(
                '<a class="btn btn-outline-secondary btn-sm" href="{}">Clear</a>',
                request.path if request is not None else "?",
            )
        return format_html(
            '<div class="{} ms-auto d-flex gap-2 justify-content-end">{}<button type="submit" '
            'class="btn btn-primary btn-sm"><i class="bi bi-{} me-1" aria-hidden="true"></i>{}</button></div>',
            self.css_class,
            clear,
            self.icon,
            self.label,
        )


class ErrorSummary(LayoutObject):
    """Every error of the bar above it, each named by its control's label (hidden ones too)."""

    def __init__(self):
        self.fields = []

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        if not form.is_bound or not form.errors:
            return ""
        return format_html(
            '<div class="alert alert-danger py-2" role="alert" id="{}">{}</div>',
            ERRORS_ID,
            format_html_join("", "<div>{}</div>", ((line,) for line in _problems(form))),
        )


class Carried(LayoutObject):
    """A filter kept without a control (the column links' sort order, a dropdown of one choice): a hidden input
    with its submitted value — unless that value is wrong, so that submitting the bar again corrects it."""

    def __init__(self, name: str):
        self.fields = [name]
        self.name = name

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        form.rendered_fields.add(self.name)
        value = form.data.get(form.add_prefix(self.name), "") if form.is_bound else ""
        if not value or self.name in form.errors:
            return ""
        return format_html('<input type="hidden" name="{}" value="{}">', form.add_prefix(self.name), value)

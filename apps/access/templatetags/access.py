"""Template questions for the access policy, so templates never re-derive a rule."""

import functools

from django import template
from django.urls import reverse
from django.utils.html import format_html

from apps.access import policy

register = template.Library()


@register.filter
def covers(scope: policy.IssuerScope, student) -> bool:
    """``{% if scope|covers:student %}``: may the issuer of this roster issue to this student (rule 3)?"""
    return scope.covers(student.organization_id)


@register.filter
def may_open_batch(actor, batch) -> bool:
    """``{% if user|may_open_batch:issued.batch %}``: link to an issuance only for those who may open it."""
    return policy.may_open_batch(actor, batch)


@register.filter
def administers(actor, organization_id) -> bool:
    """``{% if user|administers:badge.organization_id %}``: may revoke, reinstate, edit."""
    return policy.administers(actor, organization_id)


@functools.cache
def _person_pattern(name: str) -> str:
    """A person's page reversed once with a sample id: a page's rows fill theirs in instead of reversing each."""
    return reverse(name, args=[_SAMPLE_ID])


_SAMPLE_ID = 987654321


@register.filter
def person_url(actor, person_id) -> str:
    """``{{ user|person_url:student.pk }}``: where a person's name leads for this viewer — the User profile for
    administrators, the Achievements/Badges page for instructors and the person themselves, nowhere ("") for
    anyone else. Each page is opened only by those who see the person: names are shown to them only."""
    if not person_id:
        return ""
    if policy.may_see_profile(actor, person_id):
        name = "people:profile"
    elif policy.person_of(actor) is not None and (policy.roles_of(actor).is_staff or actor.pk == person_id):
        name = "people:user_badges"
    else:
        return ""
    return _person_pattern(name).replace(str(_SAMPLE_ID), str(person_id))


@register.simple_tag(takes_context=True)
def person_link(context, person_id, name: str, css: str = "") -> str:
    """``{% person_link student.pk student.display_name "fw-medium" %}``: the person's name, linked to their page
    as ``person_url`` decides (plain text when the viewer has none)."""
    url = person_url(context.get("user"), person_id)
    if not url:
        return format_html("{}", name)
    return format_html('<a href="{}"{}>{}</a>', url, format_html(' class="{}"', css) if css else "", name)

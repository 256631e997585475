"""Template questions for the access policy, so templates never re-derive a rule."""

from django import template

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

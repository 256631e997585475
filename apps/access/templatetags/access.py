"""Template questions for the access policy, so templates never re-derive a rule."""

from django import template

from apps.access import policy

register = template.Library()


@register.filter
def covers(scope: policy.IssuerScope, student) -> bool:
    """``{% if scope|covers:student %}``: may the issuer of this roster issue to this student (rule 3)?"""
    return scope.covers(student.organization_id)


@register.filter
def administers(actor, organization_id) -> bool:
    """``{% if user|administers:badge.organization_id %}``: may revoke, reinstate, edit."""
    return policy.administers(actor, organization_id)

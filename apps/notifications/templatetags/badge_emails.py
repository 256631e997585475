"""``{% badge_email_status issued %}``: an issued badge's e-mail — queued, sent or failed — and Resend, for the
administrators of its organization (nothing for anyone else)."""

from django import template

from apps.access import policy

from ..selectors import latest_badge_email

register = template.Library()


@register.inclusion_tag("notifications/_email_status.html", takes_context=True)
def badge_email_status(context, issued):
    request = context["request"]
    if not policy.administers(request.user, issued.badge.organization_id):
        return {"shown": False}
    return {"shown": True, "issued": issued, "email": latest_badge_email(issued_badge=issued), "request": request}

"""``{% badge_share issued %}``: the holder's share buttons for one of their badges on My Badges — Add to
LinkedIn profile, Copy link (the verification page), Copy e-mail signature, and the verification page itself."""

from django import template

from .. import identifiers
from ..share import email_signature_html, linkedin_add_url

register = template.Library()


@register.inclusion_tag("credentials/_share_buttons.html")
def badge_share(issued):
    return {
        "issued": issued,
        "page_url": identifiers.verify_page(issued.uuid),
        "linkedin_url": linkedin_add_url(issued),
        "signature_html": email_signature_html(issued),
    }

"""Sharing an issued badge: the LinkedIn "Add to profile" link and the e-mail signature snippet."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import identifiers

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_add_url(issued) -> str:
    """LinkedIn's add-to-profile link for a certification, prefilled: the badge's name, the organization (its
    LinkedIn id when the administrator set one, else its name), the month it was issued, the verification page
    and the uuid. Badges do not expire, so no expiration is sent."""
    organization = issued.badge.organization
    issued_on = timezone.localtime(issued.issued_at)
    params = {"startTask": "CERTIFICATION_NAME", "name": issued.badge.name}
    if organization.linkedin_organization_id:
        params["organizationId"] = organization.linkedin_organization_id
    else:
        params["organizationName"] = organization.name
    params |= {
        "issueYear": issued_on.year,
        "issueMonth": issued_on.month,
        "certUrl": identifiers.verify_page(issued.uuid),
        "certId": str(issued.uuid),
    }
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def signature_image_url(issued) -> str:
    return identifiers.absolute(reverse("credentials:signature", args=[issued.uuid]))


def email_signature_html(issued) -> str:
    """A small HTML snippet for an e-mail signature: the badge image (which turns to "revoked" once revoked)
    linked to the verification page."""
    return format_html(
        '<a href="{}" title="{}"><img src="{}" alt="{} — verified badge from {}" width="96" height="96" '
        'border="0"></a>',
        identifiers.verify_page(issued.uuid),
        f"Verify {issued.badge.name}",
        signature_image_url(issued),
        issued.badge.name,
        issued.badge.organization.name,
    )

"""The sign-in page's demo hint: every demo login, shown only in the demo (``DEMO``) once seed_demo has loaded it."""

from django import template
from django.conf import settings

from apps.demo.world import DEMO_PASSWORD, demo_logins, demo_world_present

register = template.Library()


@register.inclusion_tag("demo/login_hint.html")
def demo_login_hint() -> dict:
    # The demo says so (a production database that holds the demo organization must not advertise its password),
    # and the data too: a development database without the demo world has none of these users.
    shown = settings.DEMO and demo_world_present()
    return {"logins": demo_logins() if shown else [], "password": DEMO_PASSWORD}

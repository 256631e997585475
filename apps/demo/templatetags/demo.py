"""The sign-in page's demo hint: every demo login, shown only where seed_demo has loaded the demo world."""

from django import template

from apps.demo.world import DEMO_PASSWORD, demo_logins, demo_world_present

register = template.Library()


@register.inclusion_tag("demo/login_hint.html")
def demo_login_hint() -> dict:
    # Asked of the data, not of DEBUG: a development database without the demo world has none of these users.
    return {"logins": demo_logins() if demo_world_present() else [], "password": DEMO_PASSWORD}

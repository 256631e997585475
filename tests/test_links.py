"""No link leads to a dead end: every link on every page a persona reaches opens for that persona.

The demo world with a badge issued from every source (``demo_issued`` in tests/personas.py), walked from the
home page by following links as each demo persona: no link answers 403, 404 or 500. A link is shown only to
who may open it.
"""

import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from .personas import DEMO_PERSONAS as PERSONAS

HREF = re.compile(r'href="([^"#]*)"')
PER_ROUTE = 25  # distinct URLs followed per URL name and persona: every object of the world, not every filter


def _links(html: str, base: str) -> list[str]:
    links = []
    for href in HREF.findall(html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or parts.path.startswith(("/static/", "/media/", "/admin/")):
            continue
        links.append(url)
    return links


@pytest.mark.parametrize("username", PERSONAS)
def test_every_link_opens_for_whoever_sees_it(demo_issued, client, username):
    person = demo_issued[username]
    client.force_login(person)
    # From the home page, and from the pages of the person's own badges (a student's e-mail links there).
    starts = ["/"] + [
        reverse("issued_badges:detail", args=[pk]) for pk in person.issued_badges.values_list("pk", flat=True)
    ]
    queue, seen, per_route, dead = deque((url, "(start)") for url in starts), set(starts), Counter(), []
    visited = 0
    while queue:
        url, page = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            dead.append(f"{url} ({response.status_code}) linked from {page}")
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for link in _links(response.content.decode(), url):
            try:
                route = resolve(urlsplit(link).path).view_name
            except Resolver404:
                dead.append(f"{link} (no such URL) linked from {url}")
                continue
            if link in seen or per_route[route] >= PER_ROUTE or route == "logout":
                continue
            seen.add(link)
            per_route[route] += 1
            queue.append((link, url))
    assert not dead, "\n".join(dead)
    assert visited >= len(starts) + 1

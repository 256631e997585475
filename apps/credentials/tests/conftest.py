"""Credentials' fixtures: a CREDENTIALS_KEY, an https base URL with a port (did:web's %3A), issuing through the
door, and ``fetch`` — what a verifier downloads from the portal (did.json, status lists), served by the test
client instead of the network."""

from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue

BASE_URL = "https://badges.example.org:8443"


def get_json(client, url: str) -> dict:
    """GET one of the portal's absolute document URLs through the test client."""
    response = client.get(url.removeprefix(BASE_URL))
    assert response.status_code == 200, (url, response.status_code)
    return response.json()


@pytest.fixture(autouse=True)
def credentials_settings(settings):
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    settings.CREDENTIALS_BASE_URL = BASE_URL
    settings.CREDENTIALS_SIGN_AHEAD = False
    return settings


@pytest.fixture
def fetch(client):
    """download(url) -> bytes for openbadgeslib's resolvers: the portal's own URLs through the test client."""

    def _fetch(url: str) -> bytes:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, url
        response = client.get(parts.path)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    return _fetch


@pytest.fixture
def issue(world):
    """issue(student=None, side=world.alpha) -> IssuedBadge: a badge issued through the door (a new student)."""
    count = iter(range(1000))

    def _issue(student=None, side=None):
        side = side or world.alpha
        student = student or make_student(side.org, username=f"{side.org.slug}-cred{next(count)}",
                                          email=f"learner{next(count)}@example.com")  # fmt: skip
        badges_issue(
            IssueRequest(badge_ids=[side.badge.pk], recipient_ids=[student.pk], actor=side.admin,
                         source=Source.USERNAMES, organization=side.org)
        )  # fmt: skip
        return IssuedBadge.objects.select_related("badge__organization", "recipient").get(
            badge=side.badge, recipient=student
        )

    return _issue

"""A webhook URL is http(s) and not the portal itself: anything else is refused with its reason, nothing written.
Loopback on another port than the portal's is another program (a receiver under test): allowed."""

import pytest
from django.core.exceptions import ValidationError

from apps.webhooks.models import Webhook
from apps.webhooks.services import webhook_create
from apps.webhooks.validators import PRIVATE_REFUSAL, url_refusal

NOT_HTTP = "Enter an http:// or https:// URL: webhooks are sent by HTTP POST."
THE_PORTAL = "This URL points at the Badges Portal itself: enter the address of the system that should be told."
INVALID = "Enter a valid URL, such as https://example.com/webhooks/badges."


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "Enter the URL that receives the webhooks."),
        ("ftp://files.example.com/hook", NOT_HTTP),
        ("javascript:alert(1)", NOT_HTTP),
        ("file:///etc/passwd", NOT_HTTP),
        ("example.com/hook", NOT_HTTP),
        ("http://", INVALID),
        ("https://exa mple.com/", INVALID),
        ("http://example.com:99999/", INVALID),
        (
            "https://user:secret@example.com/hook",
            "Leave the user name and password out of the URL: the signature proves the sender.",
        ),
        ("https://example.com/" + "x" * 2000, "The URL is too long: at most 2000 characters."),
        # The portal: PORTAL_URL's host and port, and every name of ALLOWED_HOSTS.
        ("https://badges.example.com/api/v1/issued-badges/", THE_PORTAL),
        ("https://BADGES.example.com:443/", THE_PORTAL),
        ("http://badges.example.com:8080/", THE_PORTAL),
        ("https://www.example.com/hook", THE_PORTAL),
        ("https://badges.example.com./hook", THE_PORTAL),
        ("http://127.0.0.1:8000/settings/webhooks/", THE_PORTAL),  # loopback on the portal's own port
        ("http://localhost:8000/api/v1/", THE_PORTAL),  # another name of it
    ],
)
def test_refused(settings, url, reason):
    settings.PORTAL_URL = "https://badges.example.com"
    settings.ALLOWED_HOSTS = ["badges.example.com", ".example.com", "127.0.0.1", "localhost", "[::1]"]
    if ":8000/" in url:
        settings.PORTAL_URL = "http://127.0.0.1:8000"
    assert url_refusal(url) == reason


@pytest.mark.parametrize(
    "url",
    [
        "https://lms.partner.org/webhooks/badges",
        "http://hooks.partner.org:8080/in?token=abc",
        "http://127.0.0.1:54321/hooks/badges",  # loopback, another port: the test receiver
        "http://localhost:9000/",
        "http://[::1]:9000/",
        "https://example.com.evil.org/",  # not a subdomain of example.com
    ],
)
def test_allowed(settings, url):
    settings.PORTAL_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["badges.example.com", ".example.com", "127.0.0.1", "localhost", "[::1]"]
    assert url_refusal(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:54321/hooks",
        "http://localhost:9000/",
        "http://api.localhost/",
        "http://[::1]:9000/",
        "http://10.0.0.5/hook",
        "http://192.168.1.20:8080/",
        "http://172.16.4.4/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[fd00::1]/hook",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0:8080/",
    ],
)
def test_private_and_local_networks_are_refused_unless_allowed(settings, url):
    settings.PORTAL_URL = "https://badges.example.com"
    settings.WEBHOOKS_PRIVATE_NETWORKS = False
    assert url_refusal(url) == PRIVATE_REFUSAL
    settings.WEBHOOKS_PRIVATE_NETWORKS = True  # development, or an integration inside the network on purpose
    assert url_refusal(url) is None


def test_public_addresses_stay_allowed_without_private_networks(settings):
    settings.PORTAL_URL = "https://badges.example.com"
    settings.WEBHOOKS_PRIVATE_NETWORKS = False
    assert url_refusal("https://93.184.215.14/hook") is None
    assert url_refusal("https://lms.partner.org/webhooks/badges") is None


def test_a_wildcard_in_allowed_hosts_does_not_refuse_every_url(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_URL = "https://badges.example.com"
    assert url_refusal("https://lms.partner.org/hook") is None
    assert url_refusal("https://badges.example.com/hook") == THE_PORTAL


@pytest.mark.parametrize("url", ["ftp://example.org/x", "http://127.0.0.1:8000/", "not a url"])
def test_the_service_refuses_them_and_writes_nothing(world, settings, url):
    settings.PORTAL_URL = "http://127.0.0.1:8000"
    with pytest.raises(ValidationError) as refused:
        webhook_create(organization=world.alpha.org, url=url, events=["badge.issued"], actor=world.alpha.admin)
    assert list(refused.value.message_dict) == ["url"]
    assert not Webhook.objects.exists()

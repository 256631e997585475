"""The interoperability self-test of a badge (issue 14, item 7): a sample credential built and checked (JSON
Schema, openbadgeslib's verifier, did:web, status list, image, OB 2.0 BadgeClass); the management command's
output and exit status; the Check credentials button for the administrators of the badge's organization only."""

import copy
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.urls import reverse
from openbadgeslib.ob3 import multikey_from_pem

from apps.credentials.keys import signing_key_get
from apps.credentials.models import IssuedCredential, SigningKey
from apps.credentials.selftest import _schema_validator, badge_self_test
from apps.issued_badges.models import IssuedBadge

CHECKS = [
    "Sample credential built and signed",
    "JSON Schema (Open Badges 3.0 AchievementCredential)",
    "Proof verifies (openbadgeslib's verifier)",
    "Issuer DID document resolves (did:web)",
    "Status entry points at a served status list",
    "Badge image reachable",
    "Open Badges 2.0 BadgeClass required fields",
]


def _by_name(checks):
    return {check.name: check for check in checks}


def test_a_normal_badge_passes_every_check_and_nothing_is_issued(world):
    issued_before = IssuedBadge.objects.count()
    checks = badge_self_test(world.alpha.badge)
    assert [check.name for check in checks] == CHECKS
    assert all(check.passed for check in checks), [(c.name, c.detail) for c in checks if not c.passed]
    by_name = _by_name(checks)
    assert "did:web:badges.example.org%3A8443:organizations:alpha resolves" in by_name[CHECKS[3]].detail
    assert (
        "/openbadges/status/alpha/1 served and signed (revocation); index 0 of 131072 clear"
        in by_name[CHECKS[4]].detail
    )
    assert all(check.detail and "\n" not in check.detail for check in checks)
    assert IssuedBadge.objects.count() == issued_before
    assert not IssuedCredential.objects.exists()  # a sample: no credential stored


def test_a_swapped_public_key_fails_the_proof(world, client, issue):
    """The organization's public key replaced in the database (the DID document then publishes another key than
    the one that signs): the proof check fails, and says why."""
    signing_key_get(organization_id=world.alpha.org.pk)
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    SigningKey.objects.filter(organization=world.alpha.org).update(public_key_multibase=multikey_from_pem(pem))
    by_name = _by_name(badge_self_test(world.alpha.badge))
    assert not by_name["Proof verifies (openbadgeslib's verifier)"].passed
    assert by_name["Proof verifies (openbadgeslib's verifier)"].detail
    assert not by_name["Sample credential built and signed"].passed
    assert "is not the public half of its private key" in by_name["Sample credential built and signed"].detail
    assert by_name["JSON Schema (Open Badges 3.0 AchievementCredential)"].passed  # only the signature is wrong
    assert by_name["Badge image reachable"].passed


def test_the_schema_refuses_what_the_specification_requires(client, issue):
    document = client.get(reverse("credentials:ob3_credential", args=[issue().uuid])).json()
    validator = _schema_validator()
    assert list(validator.iter_errors(document)) == []
    for tamper in (
        lambda d: d.pop("validFrom"),
        lambda d: d["credentialSubject"]["achievement"].pop("criteria"),
        lambda d: d.update({"type": ["VerifiableCredential"]}),
        lambda d: d.update({"@context": d["@context"][::-1]}),
        lambda d: d["credentialSubject"]["identifier"][0].update(identityType="e-mail"),
        lambda d: d["credentialSubject"].update(unknown=1),
    ):
        changed = copy.deepcopy(document)
        tamper(changed)
        assert list(validator.iter_errors(changed)), changed


def test_the_command_prints_one_line_per_check_and_its_exit_status(world, capsys):
    call_command("credentials_self_test", "--badge", str(world.alpha.badge.pk))
    out = capsys.readouterr().out
    lines = out.splitlines()[1:-1]
    assert len(lines) == len(CHECKS)
    assert all(line.startswith(f"PASS  {name}: ") for line, name in zip(lines, CHECKS, strict=True))
    assert out.splitlines()[-1] == "All 7 checks passed."

    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    SigningKey.objects.filter(organization=world.alpha.org).update(public_key_multibase=multikey_from_pem(pem))
    with pytest.raises(CommandError, match="checks failed") as failed:
        call_command("credentials_self_test", "--badge", str(world.alpha.badge.pk))
    assert failed.value.returncode == 1
    assert "FAIL  Proof verifies (openbadgeslib's verifier)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No badge"):
        call_command("credentials_self_test", "--badge", "999999")


def test_the_badge_page_has_the_button_and_its_post_shows_the_checks(world, client):
    badge = world.alpha.badge
    client.force_login(world.alpha.admin)
    page = client.get(reverse("badges:detail", args=[badge.pk])).content.decode()
    url = reverse("credentials:self_test", args=[badge.pk])
    assert f'action="{url}"' in page and "Check credentials" in page
    assert client.get(url).status_code == 405  # a POST: it signs
    response = client.post(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "All 7 checks passed." in html
    assert html.count("✓") == 7 and "✗" not in html
    for name in CHECKS:
        assert json.dumps(name)[1:-1].replace("'", "&#x27;") in html
    assert "no-store" in response["Cache-Control"]
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert ' style="' not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_failed_check_shows_on_the_page(world, client):
    signing_key_get(organization_id=world.alpha.org.pk)
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    SigningKey.objects.filter(organization=world.alpha.org).update(public_key_multibase=multikey_from_pem(pem))
    client.force_login(world.alpha.admin)
    html = client.post(reverse("credentials:self_test", args=[world.alpha.badge.pk])).content.decode()
    assert "checks failed." in html and "✗" in html


@pytest.mark.parametrize("persona", ["other organization's admin", "instructor", "student"])
def test_anyone_but_the_badges_administrators_gets_404(world, client, persona):
    user = {
        "other organization's admin": world.beta.admin,
        "instructor": world.alpha.instructor,
        "student": world.alpha.student,
    }[persona]
    client.force_login(user)
    assert client.post(reverse("credentials:self_test", args=[world.alpha.badge.pk])).status_code == 404
    client.logout()
    response = client.post(reverse("credentials:self_test", args=[world.alpha.badge.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]

"""The Open Badges 3.0 credential checked by a verifier other than the code that signed it: Digital Bazaar's
JavaScript libraries (tools/ob3-verifier: @digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite,
ed25519-multikey, vc-bitstring-status-list), run by node with no network. It resolves the issuer's did:web to
the portal's did.json, verifies the Data Integrity proof and the status list's own proof, and reads the
credential's bit. It accepts the served credential, and refuses it after one changed character and after a
revocation; a reinstated badge's fresh credential is accepted again.

Skipped only where node or the verifier's node_modules are missing (scripts/run-tests.sh installs them)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke

from .conftest import BASE_URL

VERIFIER = Path(settings.BASE_DIR) / "tools" / "ob3-verifier"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/run-tests.sh installs nodejs)"),
    pytest.mark.skipif(
        not (VERIFIER / "node_modules").is_dir(),
        reason="tools/ob3-verifier/node_modules is missing: run npm ci --prefix tools/ob3-verifier",
    ),
]


def _get(client, url: str, **headers) -> dict:
    response = client.get(url.removeprefix(BASE_URL), headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.json()


def _credential_text(client, issued) -> str:
    response = client.get(reverse("credentials:ob3_credential", args=[issued.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def _documents(client, credential: dict) -> dict:
    """What a verifier downloads: the issuer's DID document (did:web -> did.json) and the status list (its
    JSON-LD form: the portal answers a JWT to a client that asks nothing)."""
    did = credential["issuer"]["id"]
    did_url = reverse("credentials:did", args=[did.rsplit(":", 1)[1]])
    documents = {f"{BASE_URL}{did_url}": _get(client, did_url)}
    status = credential["credentialStatus"]
    for entry in status if isinstance(status, list) else [status]:
        url = entry["statusListCredential"]
        documents[url] = _get(client, url, Accept="application/vc+ld+json")
    return documents


def verify(credential: dict | str, documents: dict) -> dict:
    """Run the independent verifier on one credential; its JSON answer."""
    if isinstance(credential, str):
        credential = json.loads(credential)
    completed = subprocess.run(  # noqa: S603 (node and our own script, no shell)
        [NODE, str(VERIFIER / "verify.mjs")],
        input=json.dumps({"credential": credential, "documents": documents}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr or completed.stdout
    result = json.loads(completed.stdout)
    assert result["verified"] == (completed.returncode == 0)
    return result


def test_the_served_credential_verifies_independently_through_did_web_and_its_status_list(client, issue):
    issued = issue()
    text = _credential_text(client, issued)
    credential = json.loads(text)
    result = verify(credential, _documents(client, credential))
    assert result["verified"], result
    assert result["checks"]["proof"] is True
    assert result["checks"]["status"] == "valid"
    assert result["checks"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert result["checks"]["didWeb"] == f"{BASE_URL}/organizations/alpha/did.json"
    assert result["errors"] == []


def test_one_changed_character_of_the_credential_subject_is_refused(client, issue):
    issued = issue()
    text = _credential_text(client, issued)
    name = issued.badge.name
    changed = text.replace(f'"name": "{name}"', f'"name": "{name[:-1]}{chr(ord(name[-1]) ^ 1)}"', 1)
    assert changed != text and len(changed) == len(text)
    documents = _documents(client, json.loads(text))
    result = verify(changed, documents)
    assert not result["verified"]
    assert result["checks"]["proof"] is False
    assert "Invalid signature." in result["errors"]
    # The recipient's hash, one character changed: refused too.
    credential = json.loads(text)
    identity = credential["credentialSubject"]["identifier"][0]
    identity["identityHash"] = identity["identityHash"][:-1] + ("0" if identity["identityHash"][-1] != "0" else "1")
    assert verify(credential, documents)["checks"]["proof"] is False


def test_revocation_is_seen_through_the_status_list_and_a_reinstated_badges_fresh_credential_is_valid(
    client, world, issue
):
    issued, other = issue(), issue()
    before = json.loads(_credential_text(client, issued))
    other_credential = json.loads(_credential_text(client, other))

    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")

    documents = _documents(client, before)  # the list as served now: signed again with the bit set
    revoked = verify(before, documents)
    assert not revoked["verified"]
    assert revoked["checks"]["proof"] is True  # the signature still holds: only the status says no
    assert revoked["checks"]["status"] == "revoked"
    assert verify(other_credential, documents)["checks"]["status"] == "valid"  # its neighbour stays valid

    issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="Earned after all")

    fresh = json.loads(_credential_text(client, issued))
    assert fresh["credentialStatus"]["statusListIndex"] != before["credentialStatus"]["statusListIndex"]
    documents = _documents(client, fresh)
    result = verify(fresh, documents)
    assert result["verified"], result
    assert (result["checks"]["proof"], result["checks"]["status"]) == (True, "valid")
    # The credential signed before the revocation stays revoked: its old bit is still set.
    assert verify(before, documents)["checks"]["status"] == "revoked"


def test_a_status_list_answered_only_as_a_jwt_is_not_taken_for_valid(client, issue):
    """The verifier reads JSON-LD lists; given the JWT form it says so instead of skipping the check."""
    issued = issue()
    credential = json.loads(_credential_text(client, issued))
    documents = _documents(client, credential)
    url = credential["credentialStatus"]["statusListCredential"]
    documents[url] = client.get(url.removeprefix(BASE_URL)).content.decode()  # no Accept: the VC-JWT
    result = verify(credential, documents)
    assert not result["verified"]
    assert result["checks"]["status"] == "error"

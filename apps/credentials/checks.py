"""System check: a production portal without CREDENTIALS_KEY serves no signed credentials (`check --deploy`)."""

from django.core.checks import Warning, register

from .keys import signing_available


@register("credentials", deploy=True)
def credentials_key_check(app_configs=None, **kwargs):
    if signing_available():
        return []
    return [
        Warning(
            "CREDENTIALS_KEY is not set: Open Badges 3.0 credentials, baked badges, DID documents and status lists "
            "are not served (503).",
            hint='Set CREDENTIALS_KEY to a Fernet key: python -c "from cryptography.fernet import Fernet; '
            "print(Fernet.generate_key().decode())\". Keep it: it decrypts the organizations' signing keys.",
            id="credentials.W001",
        )
    ]

"""The API against its own OpenAPI document, with schemathesis: generated requests — valid and not — to every
endpoint as a real API key; no answer is a 500, and every documented answer matches its schema and content type.
(Undocumented error statuses — 400, 401, 404, 409, 422, 429 — are JSON too: tested in the other files.)"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from .conftest import api_client


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: a request must not close the test's database connection when it ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world, settings, keep_the_test_connection):
    settings.API_RATE = "100000/min"  # schemathesis sends hundreds of requests
    key = api_client(world.alpha.org).api_key
    from apps.api.services import api_key_create

    return f"Bearer {api_key_create(organization=key.organization, name='schemathesis')[1]}"


# The schema is read from the portal itself, as a client would (it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_500_and_no_schema_violation(case, bearer):
    case.call_and_validate(
        # The WSGI transport hands back the body as sent; GZipMiddleware compresses for clients that ask, and
        # schemathesis' default headers ask, so this one says it cannot decode.
        headers={"Authorization": bearer, "Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )

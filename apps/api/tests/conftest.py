"""An API client for each side of the world: requests carry ``Authorization: Bearer <key>`` of its organization."""

import pytest
from rest_framework.test import APIClient

from apps.api.services import api_key_create


def api_client(organization, name="Test system") -> APIClient:
    api_key, key = api_key_create(organization=organization, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.api_key = api_key
    return client


@pytest.fixture
def alpha_api(world):
    return api_client(world.alpha.org)


@pytest.fixture
def beta_api(world):
    return api_client(world.beta.org)

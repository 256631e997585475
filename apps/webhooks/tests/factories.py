"""Factories for webhooks (a webhook as webhook_create makes it)."""

import factory
from django.utils import timezone

from apps.organizations.tests.factories import OrganizationFactory
from apps.webhooks.events import SUBSCRIBABLE
from apps.webhooks.models import Webhook
from apps.webhooks.services import new_secret


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    organization = factory.SubFactory(OrganizationFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.org/badges")
    events = factory.LazyFunction(lambda: list(SUBSCRIBABLE))
    secret = factory.LazyFunction(new_secret)
    created_at = factory.LazyFunction(timezone.now)

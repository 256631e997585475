"""Factories for badges."""

import factory

from apps.badges.models import Badge
from apps.organizations.tests.factories import OrganizationFactory


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Badge {n}")
    description = "A badge for tests."
    manual_issuance_enabled = True

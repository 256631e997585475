"""Factories for issued badges — tests only: the application issues through the services."""

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge


class IssuedBadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssuedBadge

    badge = factory.SubFactory(BadgeFactory)
    recipient = factory.SubFactory(UserFactory)
    issued_at = factory.LazyFunction(timezone.now)
    source = IssuedBadge.Source.ROSTER

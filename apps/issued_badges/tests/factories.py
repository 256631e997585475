"""Factories for issued badges — tests only: the application issues through the services."""

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge, IssuedBadgeFacet, issued_badge_writes


class IssuedBadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssuedBadge

    badge = factory.SubFactory(BadgeFactory)
    recipient = factory.SubFactory(UserFactory)
    issued_at = factory.LazyFunction(timezone.now)
    source = IssuedBadge.Source.ROSTER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Tests make rows of any shape directly; the application goes through the services, which also record
        # what Find Issued Badges may filter it by (as here).
        with issued_badge_writes():
            issued = super()._create(model_class, *args, **kwargs)
        IssuedBadgeFacet.record(
            [(issued.badge.organization_id, issued.issued_by_id, issued.source, issued.classroom_id,
              issued.course_assignment_id)]
        )  # fmt: skip
        return issued

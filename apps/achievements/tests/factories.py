"""Factories for achievements."""

import factory

from apps.achievements.models import Achievement
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import CourseFactory
from apps.organizations.tests.factories import OrganizationFactory


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Achievement {n}")
    kind = Achievement.Kind.COURSE_COMPLETED
    course = factory.SubFactory(CourseFactory, organization=factory.SelfAttribute("..organization"))
    badge = factory.SubFactory(BadgeFactory, organization=factory.SelfAttribute("..organization"))

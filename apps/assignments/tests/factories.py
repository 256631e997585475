"""Factories for course assignments."""

from datetime import timedelta

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.assignments.models import CourseAssignment
from apps.courses.tests.factories import CourseFactory
from apps.organizations.tests.factories import OrganizationFactory


class CourseAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseAssignment

    organization = factory.SubFactory(OrganizationFactory)
    course = factory.SubFactory(CourseFactory, organization=factory.SelfAttribute("..organization"))
    student = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    starts_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda a: a.starts_at + timedelta(days=90))

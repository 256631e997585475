"""Factories for classes."""

from datetime import timedelta

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.classes.models import ClassInstructor, Classroom, Enrollment
from apps.courses.tests.factories import CourseFactory
from apps.organizations.tests.factories import OrganizationFactory


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classroom

    organization = factory.SubFactory(OrganizationFactory)
    course = factory.SubFactory(CourseFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.Sequence(lambda n: f"Class {n}")
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + timedelta(days=3))


class ClassInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassInstructor

    classroom = factory.SubFactory(ClassroomFactory)
    instructor = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    classroom = factory.SubFactory(ClassroomFactory)
    student = factory.SubFactory(UserFactory)

"""Factories for the catalog."""

import factory

from apps.courses.models import Course, Lab, LearningPath, LearningPathCourse
from apps.organizations.tests.factories import OrganizationFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"C-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    course = factory.SubFactory(CourseFactory)
    code = factory.Sequence(lambda n: f"L-{n}")
    title = factory.Sequence(lambda n: f"Lab {n}")


class LearningPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPath

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"P-{n}")
    title = factory.Sequence(lambda n: f"Learning path {n}")


class LearningPathCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPathCourse

    learning_path = factory.SubFactory(LearningPathFactory)
    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n)

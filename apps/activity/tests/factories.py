"""Factories for activity records."""

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.activity.models import ActivityRecord
from apps.courses.tests.factories import CourseFactory


class ActivityRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityRecord

    user = factory.SubFactory(UserFactory)
    kind = ActivityRecord.Kind.COURSE_COMPLETED
    course = factory.SubFactory(CourseFactory)
    occurred_at = factory.LazyFunction(timezone.now)

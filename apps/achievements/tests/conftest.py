"""The achievements tests' catalog: an organization with three courses, a lab, a learning path with an exam, four
students and an administrator."""

from types import SimpleNamespace

import pytest

from apps.accounts.tests.factories import make_administrator, make_student
from apps.courses.tests.factories import CourseFactory, LabFactory, LearningPathCourseFactory, LearningPathFactory
from apps.organizations.tests.factories import OrganizationFactory


@pytest.fixture
def catalog(db):
    org = OrganizationFactory(name="Evaluator Academy", slug="evaluator-academy")
    courses = [CourseFactory(organization=org, title=f"Course {name}") for name in "ABC"]
    lab = LabFactory(course=courses[0], title="First VM")
    path = LearningPathFactory(organization=org, title="Cloud path", exam_title="Cloud exam")
    for position, course in enumerate(courses[:2]):
        LearningPathCourseFactory(learning_path=path, course=course, position=position)
    students = [make_student(org, username=f"eval-student{n}") for n in range(4)]
    return SimpleNamespace(org=org, courses=courses, lab=lab, path=path, students=students,
                           admin=make_administrator(org, username="eval-admin"))  # fmt: skip

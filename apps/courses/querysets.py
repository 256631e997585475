"""Scoping for the catalog: courses, labs and learning paths."""

from django.db.models import Q

from apps.organizations.querysets import OrganizationScopedQuerySet, administered_organization_ids


class CourseQuerySet(OrganizationScopedQuerySet):
    def visibility(self, user) -> Q:
        """Administered organizations' courses, and those the user teaches, takes or is assigned."""
        from apps.assignments.models import CourseAssignment
        from apps.classes.models import Classroom

        return (
            Q(organization__in=administered_organization_ids(user))
            | Q(pk__in=Classroom.objects.visible_to(user).values("course_id"))
            | Q(pk__in=CourseAssignment.objects.filter(student=user).values("course_id"))
        )


class LabQuerySet(OrganizationScopedQuerySet):
    organization_lookup = "course__organization"

    def visibility(self, user) -> Q:
        from .models import Course

        return Q(course__in=Course.objects.visible_to(user))

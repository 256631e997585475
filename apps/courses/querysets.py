"""Scoping for the catalog: courses, labs and learning paths."""

from django.db.models import Q

from apps.organizations.querysets import OrganizationScopedQuerySet, administered_organization_ids


class CourseQuerySet(OrganizationScopedQuerySet):
    def visible_to(self, user):
        """Administered organizations' courses, and those the user teaches, takes or is assigned."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from apps.assignments.models import CourseAssignment
        from apps.classes.models import Classroom

        return self.filter(
            Q(organization__in=administered_organization_ids(user))
            | Q(pk__in=Classroom.objects.visible_to(user).values("course_id"))
            | Q(pk__in=CourseAssignment.objects.filter(student=user).values("course_id"))
        )


class LabQuerySet(OrganizationScopedQuerySet):
    organization_lookup = "course__organization"

    def visible_to(self, user):
        from .models import Course

        return self.filter(course__in=Course.objects.visible_to(user))


class LearningPathQuerySet(OrganizationScopedQuerySet):
    pass

"""What a signed-in user is: administrator, instructor, student (any combination)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists

from apps.accounts.models import Membership, User
from apps.organizations.querysets import administered_organization_ids


@dataclass(frozen=True)
class Roles:
    is_platform_admin: bool
    is_admin: bool
    is_instructor: bool
    is_student: bool

    @property
    def names(self) -> frozenset[str]:
        flags = {"admin": self.is_admin, "instructor": self.is_instructor, "student": self.is_student}
        return frozenset(name for name, on in flags.items() if on)

    @property
    def label(self) -> str:
        if self.is_platform_admin:
            return "Platform administrator"
        if self.is_admin:
            return "Administrator"
        if self.is_instructor:
            return "Instructor"
        return "Student"


def require_administrator(request, message: str) -> None:
    """Pages for organization administrators only: anyone else gets a 403 saying ``message``."""
    if not administered_organization_ids(request.user):
        raise PermissionDenied(message)


def roles_of(user) -> Roles:
    """The user's roles, worked out once per request (cached on the user object)."""
    cached = getattr(user, "_roles", None)
    if cached is not None:
        return cached
    from apps.classes.models import ClassInstructor

    is_admin = bool(administered_organization_ids(user))
    teaches = ClassInstructor.objects.filter(instructor=user)
    instructor_role = Membership.objects.filter(user=user, role=Membership.Role.INSTRUCTOR)
    is_instructor = User.objects.filter(pk=user.pk).filter(Exists(teaches) | Exists(instructor_role)).exists()
    user._roles = Roles(
        is_platform_admin=user.is_superuser,
        is_admin=is_admin or user.is_superuser,
        is_instructor=is_instructor,
        # Everyone may hold badges; "student" is everyone who is neither of the others.
        is_student=not (is_admin or is_instructor or user.is_superuser),
    )
    return user._roles

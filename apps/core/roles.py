"""Moved to ``apps.access.policy`` (kept until every import is swept)."""

from apps.access.policy import Roles, roles_of


def require_administrator(request, message: str) -> None:
    from django.core.exceptions import PermissionDenied

    from apps.access.policy import administered_organization_ids

    if not administered_organization_ids(request.user):
        raise PermissionDenied(message)


__all__ = ["Roles", "require_administrator", "roles_of"]

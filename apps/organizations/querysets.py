"""Organization scoping shared by every organization-owned model.

``administered_organization_ids(user)`` is the one place that decides which
organizations a user administers: those where they hold the administrator
role *and* the ``issued_badges.issue_badge`` permission, with every descendant.
``OrganizationScopedQuerySet`` builds ``for_organization`` and ``visible_to`` on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from apps.accounts.models import User

ISSUE_BADGE_PERMISSION = "issued_badges.issue_badge"


def descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """The given organizations and all their descendants (one query)."""
    from .models import Organization

    found = set(root_ids)
    if not found:
        return found
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Organization.objects.order_by().values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def administered_organization_ids(user: User) -> set[int]:
    """Ids of the organizations ``user`` administers, children included.

    Cached on the user object for the request. Platform admins get every id.
    """
    cached = getattr(user, "_administered_organization_ids", None)
    if cached is not None:
        return cached
    from django.contrib.auth.models import Permission

    from apps.accounts.models import Membership

    from .models import Organization

    if not user.is_authenticated or not user.is_active:
        ids: set[int] = set()
    elif user.is_superuser:
        ids = set(Organization.objects.values_list("pk", flat=True))
    else:
        # One query: administrator memberships, kept only while the permission is granted
        # to the user directly or through a group.
        app_label, codename = ISSUE_BADGE_PERMISSION.split(".")
        granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename).filter(
            models.Q(user=user) | models.Q(group__user=user)
        )
        roots = Membership.objects.filter(user=user, role=Membership.Role.ADMINISTRATOR).filter(models.Exists(granted))
        ids = descendant_ids(list(roots.order_by().values_list("organization_id", flat=True)))
    user._administered_organization_ids = ids
    return ids


class VisibilityQuerySet(models.QuerySet):
    """``visible_to(user)``: nothing for anonymous or inactive users, every row for platform admins,
    otherwise the rows matching ``visibility(user)`` — the one method each model's QuerySet writes."""

    def visible_to(self, user: User):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(self.visibility(user))

    def visibility(self, user: User) -> models.Q:
        raise NotImplementedError


class OrganizationScopedQuerySet(VisibilityQuerySet):
    """Base QuerySet for models owned by an organization.

    ``organization_lookup`` is the path from the model to its organization.
    Subclasses widen ``visible_to`` for instructors and students, with
    ``pk__in`` subqueries rather than joins, so that no row is duplicated and
    later annotations count what they should.
    """

    organization_lookup = "organization"

    def for_organization(self, organization, *, include_children: bool = False):
        ids = descendant_ids([organization.pk]) if include_children else {organization.pk}
        return self.filter(**{f"{self.organization_lookup}__in": ids})

    def administered_by(self, user: User):
        if user.is_superuser and user.is_active:
            return self.all()
        return self.filter(**{f"{self.organization_lookup}__in": administered_organization_ids(user)})

    def visibility(self, user: User) -> models.Q:
        """By default, the organizations the user administers (subclasses add instructors and students)."""
        return models.Q(**{f"{self.organization_lookup}__in": administered_organization_ids(user)})


class OrganizationQuerySet(VisibilityQuerySet):
    def administered_by(self, user: User):
        return self.filter(pk__in=administered_organization_ids(user))

    def visibility(self, user: User) -> models.Q:
        """Administered organizations, those the user belongs to, and their home one."""
        from apps.accounts.models import Membership

        return (
            models.Q(pk__in=administered_organization_ids(user))
            | models.Q(pk__in=Membership.objects.filter(user=user).values("organization_id"))
            | models.Q(pk=user.organization_id)
        )

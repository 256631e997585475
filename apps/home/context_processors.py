"""Navigation by role, computed lazily so pages that do not render it pay nothing."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from apps.access.policy import Roles, roles_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    audience: frozenset[str]


# Each item appears to the roles named, once its page exists (its URL name reverses).
NAV_ITEMS = (
    NavItem("Classes", "classes:list", "bi-easel", frozenset({"admin", "instructor"})),
    NavItem("Course Assignments", "assignments:list", "bi-journal-bookmark", frozenset({"admin"})),
    NavItem("Badges", "badges:list", "bi-award", frozenset({"admin"})),
    NavItem("Achievements", "achievements:list", "bi-trophy", frozenset({"admin"})),
    NavItem("Find Issued Badges", "issued_badges:find", "bi-search", frozenset({"admin", "instructor"})),
    NavItem("People", "people:list", "bi-people", frozenset({"admin", "instructor"})),
    NavItem("My Badges", "people:my_badges", "bi-person-badge", frozenset({"admin", "instructor", "student"})),
)


def nav_items_for(roles: Roles, current_path: str) -> list[dict]:
    items = []
    for item in NAV_ITEMS:
        if not item.audience & roles.names:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": current_path.startswith(url)})
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = SimpleLazyObject(lambda: roles_of(user))
    return {
        "user_roles": roles,
        "nav_items": SimpleLazyObject(lambda: nav_items_for(roles, request.path)),
    }

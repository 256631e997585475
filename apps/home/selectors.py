"""Reads for the dashboard."""

from django.db.models import Count

from apps.access.policy import Roles
from apps.accounts.models import Membership, User
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.core.pagination import CappedPaginator
from apps.issued_badges.models import IssuedBadge
from apps.issued_badges.selectors import DATE_ORDER


def dashboard_for(*, user: User, roles: Roles) -> dict:
    """Figures and lists for the home page; a fixed number of queries whatever the data."""
    data: dict = {
        "memberships": Membership.objects.filter(user=user).select_related("organization"),
        "my_badge_count": IssuedBadge.objects.filter(recipient=user).active().count(),
    }
    if roles.is_admin:
        data["admin_stats"] = {
            "classes": Classroom.objects.administered_by(user).count(),
            "badges": Badge.objects.administered_by(user).active().count(),
            "manual_badges": Badge.objects.administered_by(user).manually_issuable().count(),
        }
    if roles.is_staff:
        # What Find Issued Badges lists unfiltered (every status), counted as it counts: up to 10,000.
        counted = CappedPaginator(IssuedBadge.objects.visible_to(user), 1, count_order=DATE_ORDER)
        data["issued"] = {"count": counted.count, "capped": counted.capped}
    classes = Classroom.objects.visible_to(user)
    if roles.is_student:
        classes = classes.filter(pk__in=user.enrollments.values("classroom_id"))
    else:
        classes = classes.exclude(pk__in=user.enrollments.values("classroom_id"))
    data["classes"] = (
        classes.select_related("organization", "course")
        .annotate(enrolled=Count("enrollments"))
        .order_by("-starts_at")[:8]
    )
    return data

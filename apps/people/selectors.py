"""Reads for a person's pages: their badges and achievements as the viewer may see them."""

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.achievements.models import EarnedAchievement
from apps.issued_badges.models import IssuedBadge
from apps.issued_badges.selectors import badges_held_by


def people_list(*, viewer: User) -> QuerySet[User]:
    """The people ``viewer`` may see (the access policy), by name, with their home organization."""
    people = User.objects.visible_to(viewer).filter(is_active=True).select_related("organization")
    return people.order_by("last_name", "first_name", "username")


def badges_shown_to(*, viewer: User, person: User) -> QuerySet[IssuedBadge]:
    """A person's badges as ``viewer`` may see them (everything, when it is their own page)."""
    badges = badges_held_by(recipient=person)
    return badges if viewer.pk == person.pk else badges.filter(pk__in=IssuedBadge.objects.visible_to(viewer))


def achievements_earned(*, viewer: User, person: User) -> QuerySet[EarnedAchievement]:
    """The achievements a person earned that ``viewer`` may see (everything, when it is their own page)."""
    earned = EarnedAchievement.objects.filter(user=person)
    if viewer.pk != person.pk:
        earned = earned.filter(pk__in=EarnedAchievement.objects.visible_to(viewer))
    return earned.select_related("achievement__badge").order_by("-earned_at")

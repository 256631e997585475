"""Writes for achievements: create, change, activate, deactivate."""

from django.db import transaction

from ..models import Achievement

FIELDS = ("name", "description", "kind", "lab", "course", "learning_path", "points_threshold", "badge")


@transaction.atomic
def achievement_create(*, organization, notification: str, is_active: bool = True, courses=(), **fields) -> Achievement:
    achievement = Achievement.objects.create(
        organization=organization,
        notification=notification,
        is_active=is_active,
        **{name: fields.get(name) for name in FIELDS if name in fields},
    )
    achievement.courses.set(courses)
    return achievement


@transaction.atomic
def achievement_update(*, achievement: Achievement, courses=None, **fields) -> Achievement:
    """Change what it requires or issues; ``updated_at`` moves, so the next run evaluates it in full."""
    for name in FIELDS:
        if name in fields:
            setattr(achievement, name, fields[name])
    achievement.save()
    if courses is not None:
        achievement.courses.set(courses)
    return achievement


def achievement_set_active(*, achievement: Achievement, active: bool, notification: str | None = None) -> Achievement:
    """Activate (the next run evaluates it in full: it is retroactive) or deactivate (nothing is issued;
    badges already issued stay)."""
    achievement.is_active = active
    if notification:
        achievement.notification = notification
    achievement.save(update_fields=["is_active", "notification", "updated_at"])
    return achievement

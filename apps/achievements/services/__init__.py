"""Writes for achievements: achievements themselves, and the evaluator (it issues through the one door,
apps.issued_badges.services)."""

from .achievements import achievement_create, achievement_set_active, achievement_update
from .evaluation import achievements_evaluate

__all__ = ["achievement_create", "achievement_set_active", "achievement_update", "achievements_evaluate"]

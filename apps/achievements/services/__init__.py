"""Writes for achievements: activity records in, the evaluator out (it issues through the one door)."""

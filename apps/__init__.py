"""Badges Portal Django apps."""

"""Badges app."""

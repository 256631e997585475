"""Achievements app."""

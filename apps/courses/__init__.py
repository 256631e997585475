"""Courses app."""

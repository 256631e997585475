"""Assignments app."""

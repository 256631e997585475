"""Accounts app."""

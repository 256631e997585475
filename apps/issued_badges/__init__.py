"""Issued badges app."""

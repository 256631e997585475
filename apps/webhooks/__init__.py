"""Webhooks: organizations' endpoints told of issued, revoked and reinstated badges (Standard Webhooks)."""

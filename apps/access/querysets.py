"""The QuerySet every scoped model uses: ``visible_to``, ``administered_by`` and ``for_organization`` ask the
access policy, so a model states only where its organization is (``organization_lookup``)."""

from __future__ import annotations

from django.db import models

from . import policy


class ScopedQuerySet(models.QuerySet):
    organization_lookup = "organization"

    def visible_to(self, actor):
        return policy.visible(actor, self)

    def administered_by(self, actor):
        return policy.administered(actor, self)

    def for_organization(self, organization, *, include_children: bool = False):
        ids = policy.descendant_ids([organization.pk]) if include_children else {organization.pk}
        return self.filter(**{f"{self.organization_lookup}__in": ids})

"""The admin site: every page renders; issued badges and the log are read-only there."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_and_object_page_renders(world, client, model):
    client.force_login(world.platform_admin)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200


def test_issued_badges_are_read_only_in_the_admin(world, client):
    client.force_login(world.platform_admin)
    issued = world.alpha.issued
    assert client.get(reverse("admin:issued_badges_issuedbadge_add")).status_code == 403
    change = client.get(reverse("admin:issued_badges_issuedbadge_change", args=[issued.pk]))
    assert 'name="_save"' not in change.content.decode()
    response = client.post(
        reverse("admin:issued_badges_issuedbadge_change", args=[issued.pk]), {"source": "api"}, follow=False
    )
    assert response.status_code == 403
    issued.refresh_from_db()
    assert issued.source == "roster"
    assert client.get(reverse("admin:issued_badges_issuedbadge_delete", args=[issued.pk])).status_code == 403

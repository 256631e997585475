"""/api/v1/webhooks/: register (the secret in that answer only), list, delete — a key's own organizations only."""

from django.urls import reverse

from apps.webhooks.models import Webhook

URL = reverse("api:webhooks")


def test_register_list_and_delete(world, alpha_api):
    answer = alpha_api.post(URL, {"url": "https://lms.example.org/hooks", "events": ["badge.issued"]}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    webhook = Webhook.objects.get()
    assert body["secret"].startswith("whsec_") and body["secret"] == webhook.secret
    assert (webhook.organization, webhook.events, webhook.created_by) == (world.alpha.org, ["badge.issued"], None)
    listed = alpha_api.get(URL).json()["results"]
    assert [row["url"] for row in listed] == ["https://lms.example.org/hooks"] and "secret" not in listed[0]
    child = alpha_api.post(URL, {"url": "https://labs.example.org/h", "events": ["badge.revoked"],
                                 "organization": world.alpha.child.pk}, format="json")  # fmt: skip
    assert child.status_code == 201 and child.json()["organization"]["id"] == world.alpha.child.pk
    assert alpha_api.delete(reverse("api:webhook", args=[webhook.pk])).status_code == 204
    assert not Webhook.objects.filter(pk=webhook.pk).exists()


def test_bad_input_is_400_and_writes_nothing(world, alpha_api):
    for body, field in [
        ({"url": "ftp://lms.example.org/hooks", "events": ["badge.issued"]}, "url"),
        ({"url": "http://127.0.0.1:8000/api/v1/badges/", "events": ["badge.issued"]}, "url"),  # the portal itself
        ({"url": "https://lms.example.org/hooks", "events": ["badge.exploded"]}, "events"),
        ({"url": "https://lms.example.org/hooks", "events": []}, "events"),
        ({"url": "https://lms.example.org/hooks", "events": ["badge.issued"], "organization": world.beta.org.pk},
         "organization"),
        ({"url": "https://lms.example.org/hooks", "events": ["badge.issued"], "secret": "mine"}, "secret"),
    ]:  # fmt: skip
        answer = alpha_api.post(URL, body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.content)
    assert not Webhook.objects.exists()


def test_another_organizations_webhook_is_404(world, alpha_api, beta_api):
    beta = beta_api.post(URL, {"url": "https://beta.example.org/h", "events": ["badge.issued"]}, format="json")
    pk = beta.json()["id"]
    assert alpha_api.get(reverse("api:webhook", args=[pk])).status_code == 404
    assert alpha_api.delete(reverse("api:webhook", args=[pk])).status_code == 404
    assert Webhook.objects.filter(pk=pk).exists() and alpha_api.get(URL).json()["results"] == []

"""Webhook pages (administrators, under the organization's settings): the list with its form, a webhook with its
deliveries, Send test event, Disable / Enable, Delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.access.policy import administrator_required
from apps.organizations.models import Organization

from .events import TEST
from .forms import WebhookForm
from .models import Webhook, WebhookDelivery
from .selectors import administered_webhook, webhook_deliveries, webhooks_for
from .services import webhook_create, webhook_delete, webhook_send_test, webhook_set_active

administrators_only = administrator_required("Only organization administrators manage webhooks.")
NEW_SECRET = "webhooks.new_secret"  # noqa: S105 - a session key: the secret of the webhook just created, shown once


def _webhook(request: HttpRequest, pk: int) -> Webhook:
    try:
        return administered_webhook(actor=request.user, pk=pk)
    except Webhook.DoesNotExist:
        raise Http404("No webhook found.") from None


@login_required
@administrators_only
def webhook_list(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.administered_by(request.user).order_by("name")
    form = WebhookForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhook, secret = webhook_create(
                organization=data["organization"], url=data["url"], events=data["events"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[NEW_SECRET] = {"webhook": webhook.pk, "secret": secret}
            messages.success(request, f"Webhook added for {webhook.organization}. Copy its signing secret now.")
            return redirect("webhooks:detail", pk=webhook.pk)
    webhooks = list(webhooks_for(request.user))
    return render(request, "webhooks/webhook_list.html", {"form": form, "webhooks": webhooks})


@login_required
@require_GET
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    page = Paginator(webhook_deliveries(webhook=webhook), 25).get_page(request.GET.get("page"))
    pending = any(  # being sent: the list refreshes itself (a disabled webhook's deliveries wait, its tests do not)
        delivery.status == WebhookDelivery.Status.PENDING and (webhook.is_active or delivery.event.type == TEST.type)
        for delivery in page.object_list
    )
    context = {"webhook": webhook, "page": page, "pending": pending}
    if request.htmx:  # the deliveries table refreshing itself while some are pending
        return render(request, "webhooks/_deliveries.html", context)
    new = request.session.get(NEW_SECRET)
    if new and new.get("webhook") == webhook.pk:
        del request.session[NEW_SECRET]  # shown this once
        context["secret"] = new["secret"]
    return render(request, "webhooks/webhook_detail.html", context)


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    webhook_send_test(webhook=webhook, actor=request.user)
    messages.success(request, "Test event queued: it is listed below with the answer of the endpoint.")
    return redirect("webhooks:detail", pk=webhook.pk)


@login_required
@require_POST
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    if webhook_set_active(webhook=webhook, actor=request.user, active=False):
        messages.success(request, "Webhook disabled: no event is queued for it until it is enabled again.")
    return redirect("webhooks:detail", pk=webhook.pk)


@login_required
@require_POST
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    if webhook_set_active(webhook=webhook, actor=request.user, active=True):
        messages.success(request, "Webhook enabled: its pending deliveries are being sent, and new events follow.")
    return redirect("webhooks:detail", pk=webhook.pk)


@login_required
@require_POST
def webhook_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete, confirmed in the page's dialog (its button posts ``confirm``); without it nothing is deleted."""
    webhook = _webhook(request, pk)
    if request.POST.get("confirm") != "delete":
        messages.warning(request, "Nothing was deleted: confirm in the dialog to delete the webhook.")
        return redirect("webhooks:detail", pk=webhook.pk)
    url = webhook.url
    webhook_delete(webhook=webhook, actor=request.user)
    messages.success(request, f"Webhook {url} deleted with its deliveries.")
    return redirect("webhooks:list")

"""The API keys page (under the organization's settings): create a key (shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.access.policy import administrator_required
from apps.organizations.models import Organization

from .forms import ApiKeyForm
from .selectors import api_keys_for
from .services import api_key_create, api_key_revoke

administrators_only = administrator_required("API keys are for organization administrators.")
CREATED = "api_key_created"


@login_required
@administrators_only
def api_keys(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.administered_by(request.user).order_by("name")
    form = ApiKeyForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        api_key, key = api_key_create(
            organization=form.cleaned_data["organization"], name=form.cleaned_data["name"], actor=request.user
        )
        # Shown once, on the page this redirects to (a reload does not make another key), then forgotten.
        request.session[CREATED] = {"id": api_key.pk, "key": key}
        return redirect("api:keys")
    keys = api_keys_for(request.user)
    created = request.session.pop(CREATED, None)
    if created:
        created["api_key"] = keys.filter(pk=created["id"]).first()
    return render(request, "api/api_keys.html", {"form": form, "keys": keys, "created": created})


@login_required
@require_POST
@administrators_only
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(api_keys_for(request.user), pk=pk)
    if api_key_revoke(api_key=api_key, actor=request.user):
        messages.success(request, f"API key “{api_key.name}” ({api_key.shown}) was revoked: it no longer works.")
    else:
        messages.info(request, f"API key “{api_key.name}” was already revoked.")
    return redirect("api:keys")

"""Sign in and out, forgot password (Django's reset by e-mail) and change password: Django's own views."""

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import PasswordResetForm
from .throttling import client_ip, rate_exceeded

logger = logging.getLogger(__name__)


def _lifetime(seconds: int) -> str:
    """259200 -> "3 days"; 7200 -> "2 hours"."""
    count, unit = (seconds // 86400, "day") if seconds % 86400 == 0 else (seconds // 3600, "hour")
    return f"{count} {unit}{'' if count == 1 else 's'}"


# How long a reset link works, said in the e-mail and on the page that announces it.
RESET_LINK = {"reset_link_lifetime": _lifetime(settings.PASSWORD_RESET_TIMEOUT)}


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, its e-mail linking to ``PORTAL_URL`` as every e-mail of the portal does — not to the host the
    request came through (behind a proxy, an internal name). Requests are limited per address and per e-mail
    address (settings.PASSWORD_RESET_RATE, per hour): over it, the form says so and nothing is sent — the same
    for an address that has an account and one that has none."""

    @property
    def extra_email_context(self) -> dict:
        return {**RESET_LINK, "portal_url": settings.PORTAL_URL}

    def form_valid(self, form):
        per_address, per_email = settings.PASSWORD_RESET_RATE
        email = form.cleaned_data["email"].strip().lower()
        address = client_ip(self.request) or "unknown"
        # Both counted on every request, so one limit reached does not spare the other's count.
        too_many = [rate_exceeded("reset-address", address, per_address),
                    rate_exceeded("reset-email", email, per_email)]  # fmt: skip
        if any(too_many):
            logger.warning("Forgot password refused (too many requests) from %s", address)
            form.add_error(None, "Too many password reset requests: wait an hour and try again.")
            return self.form_invalid(form)
        return super().form_valid(form)


# Unnamespaced names: Django's views redirect to one another by them.
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/password_reset_done.html", extra_context=RESET_LINK
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change_form.html"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
]

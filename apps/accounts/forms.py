"""Django's password forms, in the portal's words."""

from django import forms
from django.contrib.auth import forms as auth_forms


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's: it mails every active user with this e-mail address, and answers alike when there is none."""

    email = forms.EmailField(
        label="E-mail address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

"""Authentication backend: Django's, loading the user's home organization with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        # Every page shows the user's organization: fetch it in the same query as the user.
        user = get_user_model()._default_manager.select_related("organization").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

"""Admin for credentials: signing keys and status lists, read-only (the private key is never shown)."""

from django.contrib import admin

from .models import SigningKey, StatusList


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["organization", "public_key_multibase", "created_at", "retired_at"]
    list_select_related = ["organization"]
    fields = ["organization", "public_key_multibase", "created_at", "retired_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["organization", "number", "purpose", "next_index", "size", "revision", "signed_until"]
    list_select_related = ["organization"]
    fields = ["organization", "number", "purpose", "next_index", "size", "revision", "signed_revision", "signed_until"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

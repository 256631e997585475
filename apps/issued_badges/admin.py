"""Read-only admin for issued badges and the issuance log: changes go through the services."""

from django.contrib import admin

from .models import IssuanceLog, IssuedBadge


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedBadge)
class IssuedBadgeAdmin(ReadOnlyAdmin):
    list_display = ["badge", "recipient", "issued_at", "source", "issued_by", "revoked_at"]
    list_filter = ["source", "badge__organization"]
    list_select_related = ["badge", "recipient", "issued_by"]
    search_fields = ["recipient__username", "badge__name", "uuid"]
    date_hierarchy = "issued_at"


@admin.register(IssuanceLog)
class IssuanceLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "badge", "recipient", "actor", "source", "reason_code"]
    list_filter = ["action", "source"]
    list_select_related = ["badge", "recipient", "actor"]
    search_fields = ["recipient__username", "badge__name", "reason"]
    date_hierarchy = "created_at"

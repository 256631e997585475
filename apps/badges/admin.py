"""Admin for badges."""

from django.contrib import admin

from .models import Badge


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "manual_issuance_enabled", "is_active"]
    list_filter = ["organization", "manual_issuance_enabled", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["organization"]

"""Admin for activity records."""

from django.contrib import admin

from .models import ActivityRecord


@admin.register(ActivityRecord)
class ActivityRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "course", "lab", "learning_path", "points", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "course", "lab", "learning_path"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user", "course", "lab", "learning_path"]
    date_hierarchy = "occurred_at"

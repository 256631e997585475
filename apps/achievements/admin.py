"""Admin for achievements and earned achievements."""

from django.contrib import admin

from .models import Achievement, EarnedAchievement


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "badge", "is_active"]
    list_filter = ["organization", "kind", "is_active"]
    list_select_related = ["organization", "badge"]
    search_fields = ["name"]
    autocomplete_fields = ["organization", "lab", "course", "learning_path", "badge"]
    filter_horizontal = ["courses"]


@admin.register(EarnedAchievement)
class EarnedAchievementAdmin(admin.ModelAdmin):
    list_display = ["user", "achievement", "earned_at"]
    list_select_related = ["user", "achievement"]
    search_fields = ["user__username", "achievement__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

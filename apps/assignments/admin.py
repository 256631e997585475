"""Admin for course assignments."""

from django.contrib import admin

from .models import CourseAssignment


@admin.register(CourseAssignment)
class CourseAssignmentAdmin(admin.ModelAdmin):
    list_display = ["course", "student", "organization", "starts_at", "expires_at"]
    list_filter = ["organization"]
    list_select_related = ["course", "student", "organization"]
    search_fields = ["student__username", "course__title"]
    autocomplete_fields = ["organization", "course", "student", "created_by"]

"""Admin for classes."""

from django.contrib import admin

from .models import ClassInstructor, Classroom, Enrollment


class ClassInstructorInline(admin.TabularInline):
    model = ClassInstructor
    extra = 0
    autocomplete_fields = ["instructor"]


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    autocomplete_fields = ["student"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "course", "starts_at", "ends_at"]
    list_filter = ["organization"]
    list_select_related = ["organization", "course"]
    search_fields = ["title", "course__title"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["organization", "course"]
    inlines = [ClassInstructorInline, EnrollmentInline]

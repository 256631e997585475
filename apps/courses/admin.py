"""Admin for the catalog."""

from django.contrib import admin

from .models import Course, Lab, LearningPath, LearningPathCourse


class LabInline(admin.TabularInline):
    model = Lab
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["code", "title"]
    inlines = [LabInline]


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "course"]
    list_select_related = ["course"]
    search_fields = ["code", "title", "course__title"]


class LearningPathCourseInline(admin.TabularInline):
    model = LearningPathCourse
    extra = 0
    autocomplete_fields = ["course"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "organization", "exam_title"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["code", "title"]
    inlines = [LearningPathCourseInline]

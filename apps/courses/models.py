"""The catalog achievements point at: courses, their labs, learning paths."""

from django.db import models

from apps.access.querysets import ScopedQuerySet


class LabQuerySet(ScopedQuerySet):
    organization_lookup = "course__organization"


class Course(models.Model):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="courses")
    code = models.CharField(max_length=40, help_text="Short reference, e.g. CF-101.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="course_code_unique_per_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Lab(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="labs")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    objects = LabQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["course", "code"], name="lab_code_unique_per_course"),
        ]

    def __str__(self) -> str:
        return self.title


class LearningPath(models.Model):
    """Ordered courses and, optionally, a final exam that must be passed."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="learning_paths"
    )
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    exam_title = models.CharField(max_length=200, blank=True, help_text="Leave blank when the path has no final exam.")
    courses = models.ManyToManyField(Course, through="LearningPathCourse", related_name="learning_paths")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="learning_path_code_unique_per_organization"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_exam(self) -> bool:
        return bool(self.exam_title)


class LearningPathCourse(models.Model):
    learning_path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="learning_path_steps")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["learning_path", "position"]
        constraints = [
            models.UniqueConstraint(fields=["learning_path", "course"], name="learning_path_course_once"),
            models.UniqueConstraint(fields=["learning_path", "position"], name="learning_path_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.learning_path} #{self.position}: {self.course}"

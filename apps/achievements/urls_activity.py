"""URLs of the activity pages (record, import, list); included by apps.achievements.urls."""

urlpatterns: list = []

"""URLs of the class pages."""

from django.urls import path

from . import views

app_name = "classes"
urlpatterns = [
    path("", views.classroom_list_view, name="list"),
    path("<id:pk>/roster/", views.roster_view, name="roster"),
    path("<id:pk>/roster/students/<id:student_pk>/", views.roster_row, name="roster_row"),
    path("<id:pk>/roster/choose-badge/", views.choose_badge, name="choose_badge"),
    path("<id:pk>/roster/issue/", views.roster_issue, name="roster_issue"),
    path("<id:pk>/issue-badges/", views.issue_badges, name="issue_badges"),
    path("<id:pk>/issue-badges/choose-badges/", views.choose_badges, name="choose_badges"),
    path("<id:pk>/issue-badges/choose-students/", views.choose_students, name="choose_students"),
]

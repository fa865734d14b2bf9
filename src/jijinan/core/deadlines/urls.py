"""URLs of the deadline pages (mounted at /deadlines/)."""

from django.urls import path

from jijinan.core.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("", views.deadline_list, name="list"),
    path("export/", views.deadline_export, name="export"),
    path("<int:pk>/", views.deadline_detail, name="detail"),
    path("<int:pk>/pause/", views.deadline_pause_view, name="pause"),
    path("<int:pk>/resume/", views.deadline_resume_view, name="resume"),
    path("<int:pk>/extend/", views.deadline_extend_view, name="extend"),
    path("<int:pk>/cancel/", views.deadline_cancel_view, name="cancel"),
]

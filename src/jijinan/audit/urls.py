"""URLs of the audit pages."""

from django.urls import path

from jijinan.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("export/", views.event_export, name="events_export"),
    path("access/", views.access_list, name="access"),
    path("access/export/", views.access_export, name="access_export"),
    path("panel/history/", views.history_panel, name="history_panel"),
    path("panel/viewers/", views.viewers_panel, name="viewers_panel"),
]

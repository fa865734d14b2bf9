"""URLs of the system pages."""

from django.urls import path

from jijinan.core import system_views

app_name = "system"

urlpatterns = [
    path("queues/", system_views.queues, name="queues"),
    path("queues/replay/", system_views.replay, name="replay"),
]

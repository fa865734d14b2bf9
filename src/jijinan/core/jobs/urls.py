"""URLs of the system pages (mounted at /system/): the queues, their dead jobs and deliveries, replay."""

from django.urls import path

from jijinan.core.jobs import views

app_name = "system"

urlpatterns = [
    path("queues/", views.queues, name="queues"),
    path("queues/replay/", views.replay, name="replay"),
]

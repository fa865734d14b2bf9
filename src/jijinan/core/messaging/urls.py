"""URLs of the inbox (mounted at /inbox/)."""

from django.urls import path

from jijinan.core.messaging import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="list"),
    path("read-all/", views.inbox_read_all, name="read_all"),
    path("<int:pk>/", views.inbox_open, name="open"),
]

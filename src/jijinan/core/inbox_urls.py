"""URLs of the inbox (mounted at /inbox/)."""

from django.urls import path

from jijinan.core import inbox_views

app_name = "inbox"

urlpatterns = [
    path("", inbox_views.inbox, name="list"),
    path("read-all/", inbox_views.inbox_read_all, name="read_all"),
    path("<int:pk>/", inbox_views.inbox_open, name="open"),
]

"""URLs of supervision's board pages (under /supervision/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

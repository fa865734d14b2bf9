"""URLs of supervision's accountability pages (under /supervision/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

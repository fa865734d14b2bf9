"""URLs of supervision's orders pages (under /supervision/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

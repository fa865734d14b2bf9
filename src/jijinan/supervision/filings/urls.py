"""URLs of supervision's filings pages (under /supervision/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

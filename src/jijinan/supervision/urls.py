"""URLs of the supervision pages (mounted at /supervision/)."""

from django.urls import include, path

app_name = "supervision"

urlpatterns: list = []

"""URLs of supervision's indicators pages (under /supervision/)."""

from django.urls import path

from jijinan.supervision.indicators import views

urlpatterns: list = [
    path("indicators/", views.indicators_page, name="indicators"),
    path("indicators/export/", views.indicators_export, name="indicators_export"),
]

"""URLs of supervision's accountability pages (under /supervision/)."""

from django.urls import path

from jijinan.supervision.accountability import views

urlpatterns: list = [
    path("accountability/", views.accountability_list, name="accountability"),
    path("accountability/export/", views.accountability_export, name="accountability_export"),
    path("accountability/new/", views.accountability_new, name="accountability_new"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability_detail"),
    path("accountability/<int:pk>/edit/", views.accountability_edit, name="accountability_edit"),
]

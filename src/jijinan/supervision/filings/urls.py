"""URLs of supervision's filings pages (under /supervision/)."""

from django.urls import path

from jijinan.supervision.filings import views

urlpatterns: list = [
    path("filings/", views.filing_list, name="filings"),
    path("filings/export/", views.filing_export, name="filings_export"),
    path("filings/draw/", views.filing_draw, name="filings_draw"),
    path("filings/<int:pk>/", views.filing_detail, name="filing"),
    path("filings/<int:pk>/check/", views.filing_check, name="filing_check"),
]

"""URLs of the verification pages."""

from django.urls import path

from jijinan.verification import views

app_name = "verification"

urlpatterns = [
    path("", views.request_list, name="requests"),
    path("import/", views.result_import, name="import"),
    path("households/<int:pk>/", views.household_page, name="household"),
    path("households/<int:pk>/authorisations/new/", views.authorisation_create, name="authorisation_create"),
    path("households/<int:pk>/requests/new/", views.request_create, name="request_create"),
    path("households/<int:pk>/reports/new/", views.report_issue, name="report_issue"),
    path("authorisations/<int:pk>/document/", views.authorisation_document, name="authorisation_document"),
    path("authorisations/<int:pk>/revoke/", views.authorisation_revoke, name="authorisation_revoke"),
    path("requests/<int:pk>/result/", views.result_enter, name="result_enter"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("requests/<int:pk>/fail/", views.request_fail, name="request_fail"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
]

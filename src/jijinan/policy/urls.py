"""URLs of the policy pages."""

from django.urls import path

from jijinan.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.parameter_index, name="index"),
    path("compare/", views.parameter_compare, name="compare"),
    path("parameters/<str:name>/", views.parameter_detail, name="parameter"),
    path("parameters/<str:name>/versions/new/", views.version_create, name="version_create"),
    path("versions/<int:pk>/withdraw/", views.version_withdraw, name="version_withdraw"),
    path("calculator/", views.calculator, name="calculator"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/export/", views.decision_export, name="decisions_export"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
]

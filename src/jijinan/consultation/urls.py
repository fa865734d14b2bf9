"""URLs of the escalation and consultation pages (mounted at /consultation/), and of the crisis track."""

from django.urls import include, path

from jijinan.consultation import views

app_name = "consultation"

urlpatterns = [
    path("", views.escalation_list, name="list"),
    path("export/", views.escalation_export, name="export"),
    path("<int:pk>/", views.escalation_detail, name="escalation"),
    path("<int:pk>/convene/", views.convene, name="convene"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/chase/", views.chase, name="chase"),
    path("<int:pk>/opinions/<int:opinion_id>/", views.opinion_on_behalf, name="opinion_on_behalf"),
    path("<int:pk>/meeting/", views.meeting, name="meeting"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/explanation/", views.explanation, name="explanation"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/print/", views.print_pdf, name="print"),
    path("cases/<int:case_id>/panel/", views.case_panel, name="case_panel"),
    path("cases/<int:case_id>/raise/", views.case_raise, name="case_raise"),
    path("opinions/", views.office_opinions, name="office_opinions"),
    path("opinions/<int:pk>/", views.office_opinion, name="office_opinion"),
    path("opinions/<int:pk>/give/", views.office_give, name="office_give"),
    path("crisis/", include("jijinan.consultation.crisis.urls")),
]

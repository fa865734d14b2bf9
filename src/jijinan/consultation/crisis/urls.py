"""URLs of the crisis track (mounted at /consultation/crisis/)."""

from django.urls import path

from jijinan.consultation.crisis import views

app_name = "crisis"

urlpatterns = [
    path("", views.crisis_list, name="list"),
    path("cases/<int:case_id>/panel/", views.case_panel, name="case_panel"),
    path("cases/<int:case_id>/first-contact/", views.first_contact, name="first_contact"),
    path("cases/<int:case_id>/plan/", views.plan, name="plan"),
    path("cases/<int:case_id>/contacts/", views.contact_add, name="contact_add"),
    path("cases/<int:case_id>/reassess/", views.reassess, name="reassess"),
]

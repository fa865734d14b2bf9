"""URLs of the registry pages."""

from django.urls import path
from django.views.generic import RedirectView

from jijinan.core.permissions import requires
from jijinan.registry import pickers, views
from jijinan.registry.permissions import PERSON_VIEW

app_name = "registry"

urlpatterns = [
    path("", requires(PERSON_VIEW)(RedirectView.as_view(pattern_name="registry:persons")), name="index"),
    path("persons/", views.person_list, name="persons"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/unmask/", views.person_unmask, name="person_unmask"),
    path("persons/<int:pk>/memberships/new/", views.person_membership_create, name="person_membership_create"),
    path("persons/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("households/", views.household_list, name="households"),
    path("households/export/", views.household_export, name="household_export"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/unmask/", views.household_unmask, name="household_unmask"),
    path("households/<int:pk>/members/add/", views.household_member_add, name="household_member_add"),
    path("households/<int:pk>/members/<int:person_pk>/remove/", views.household_member_remove,
         name="household_member_remove"),
    path("households/<int:pk>/members/<int:person_pk>/head/", views.household_set_head,
         name="household_set_head"),
    path("households/<int:pk>/memberships/new/", views.household_membership_create,
         name="household_membership_create"),
    path("pick/persons/", pickers.person_picker, name="pick_persons"),
    path("pick/households/", pickers.household_picker, name="pick_households"),
    path("program-types/", views.program_type_list, name="program_types"),
    path("program-types/new/", views.program_type_create, name="program_type_create"),
]

from django.urls import include, path

from jijinan.consultation import views

app_name = "consultation"

urlpatterns = [
    path("", views.escalation_list, name="list"),
    path("<int:pk>/", views.escalation_detail, name="escalation"),
    path("crisis/", include("jijinan.consultation.crisis.urls")),
]

from django.urls import path

from jijinan.consultation import views

app_name = "consultation"

urlpatterns = [
    path("", views.escalation_list, name="list"),
    path("<int:pk>/", views.escalation_detail, name="escalation"),
]

"""URLs of the shell."""

from django.urls import path

from jijinan.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
]

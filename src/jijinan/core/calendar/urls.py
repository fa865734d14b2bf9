"""URLs of the working-day calendar pages (mounted at /calendar/)."""

from django.urls import path

from jijinan.core.calendar import views

app_name = "calendar"

urlpatterns = [
    path("", views.calendar_home, name="home"),
    path("compute/", views.calendar_compute, name="compute"),
    path("import/", views.calendar_import_view, name="import"),
    path("seed/", views.calendar_seed_view, name="seed"),
    path("<int:year>/", views.calendar_year, name="year"),
    path("<int:year>/confirm/", views.calendar_year_confirm_view, name="confirm"),
    path("<int:year>/days/add/", views.calendar_day_add_view, name="day_add"),
    path("days/<str:day>/", views.calendar_day_edit, name="day_edit"),
    path("days/<str:day>/remove/", views.calendar_day_remove_view, name="day_remove"),
]

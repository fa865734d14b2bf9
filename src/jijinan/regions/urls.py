"""URLs of the region pages."""

from django.urls import path

from jijinan.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.region_index, name="index"),
    path("import/", views.region_import, name="import"),
    path("export/", views.region_export, name="export"),
    path("pick/", views.region_pick, name="pick"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/children/", views.region_children, name="children"),
    path("<str:code>/retire/", views.region_retire, name="retire"),
]

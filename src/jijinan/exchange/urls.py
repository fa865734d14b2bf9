"""URLs of the exchange pages."""

from django.urls import path

from jijinan.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.source_list, name="sources"),
    path("sources/<str:code>/template/", views.source_template, name="source_template"),
    path("upload/", views.batch_upload, name="upload"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/errors/", views.batch_errors_download, name="batch_errors"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/discard/", views.batch_discard, name="batch_discard"),
    path("batches/<int:pk>/undo/", views.batch_undo, name="batch_undo"),
]

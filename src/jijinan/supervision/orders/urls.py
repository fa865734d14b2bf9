"""URLs of supervision's 督办 order pages (under /supervision/)."""

from django.urls import path

from jijinan.supervision.orders import views

urlpatterns: list = [
    path("orders/", views.order_list, name="orders"),
    path("orders/export/", views.order_export, name="orders_export"),
    path("orders/addressed/", views.orders_addressed, name="orders_addressed"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/cases/<int:case_id>/panel/", views.case_panel, name="order_case_panel"),
    path("orders/new/<str:kind>/<int:subject_id>/", views.order_open, name="order_open"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/answer/", views.order_answer, name="order_answer"),
    path("orders/<int:pk>/review/", views.order_review, name="order_review"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/attachments/<int:attachment_id>/", views.order_attachment, name="order_attachment"),
]

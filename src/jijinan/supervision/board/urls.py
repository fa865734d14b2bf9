"""URLs of supervision's board pages (under /supervision/)."""

from django.urls import path

from jijinan.supervision.board import views

urlpatterns: list = [
    path("board/", views.board_page, name="board"),
    path("board/export/", views.board_export, name="board_export"),
]

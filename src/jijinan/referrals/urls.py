"""URLs of the referral pages (mounted at /referrals/)."""

from django.urls import path

from jijinan.referrals import views

app_name = "referrals"

urlpatterns = [
    path("cases/<int:case_id>/panel/", views.case_panel, name="case_panel"),
    path("cases/<int:case_id>/split/", views.split, name="split"),
    path("cases/<int:case_id>/tasks/<int:task_id>/", views.case_task, name="case_task"),
    path("cases/<int:case_id>/tasks/<int:task_id>/reassign/", views.case_reassign, name="case_reassign"),
    path("cases/<int:case_id>/tasks/<int:task_id>/cancel/", views.case_cancel, name="case_cancel"),
    path("cases/<int:case_id>/tasks/<int:task_id>/answer/", views.case_answer, name="case_answer"),
    path("cases/<int:case_id>/tasks/<int:task_id>/files/<int:file_id>/", views.case_task_file, name="case_task_file"),
    path("office/", views.office_queue, name="office_queue"),
    path("office/<int:task_id>/", views.office_task, name="office_task"),
    path("office/<int:task_id>/accept/", views.office_accept, name="office_accept"),
    path("office/<int:task_id>/return/", views.office_return, name="office_return"),
    path("office/<int:task_id>/ask/", views.office_ask, name="office_ask"),
    path("office/<int:task_id>/progress/", views.office_progress, name="office_progress"),
    path("office/<int:task_id>/complete/", views.office_complete, name="office_complete"),
    path("office/<int:task_id>/transfer/", views.office_transfer, name="office_transfer"),
    path("office/<int:task_id>/files/<int:file_id>/", views.office_task_file, name="office_task_file"),
    path("tasks/<int:task_id>/", views.task_locate, name="task_locate"),
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/", views.flag, name="flag"),
    path("flags/<int:pk>/settle/", views.flag_settle, name="flag_settle"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/new/", views.rule_add, name="rule_add"),
    path("matrix/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("matrix/<int:pk>/retire/", views.rule_retire, name="rule_retire"),
]

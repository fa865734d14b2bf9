"""URLs of the case pages."""

from django.urls import path

from jijinan.cases import views as case_views
from jijinan.cases.intake import views
from jijinan.cases.printing import views as print_views
from jijinan.cases.public_notices import views as public_notice_views
from jijinan.cases.queues import views as queue_views
from jijinan.cases.workflow import views as workflow_views

app_name = "cases"

urlpatterns: list = [
    path("new/", views.case_intake, name="intake"),
    path("apply/", views.online_application, name="apply"),
    path("on-call/", views.on_call, name="on_call"),
    path("mine/", views.own_reports, name="own_reports"),
    path("<int:pk>/", case_views.case_detail, name="case"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/identify-subject/", views.identify_subject, name="identify_subject"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/work-orders/", case_views.work_order_add, name="work_order_add"),
    path("queue/", queue_views.case_queue, name="queue"),
    path("queue/export/", queue_views.case_queue_export, name="queue_export"),
    path("overdue/", queue_views.case_overdue, name="overdue"),
    # The staged workflow: one URL per move of the table, each with its own permission.
    *workflow_views.act_urlpatterns(),
    path("<int:pk>/objections/", workflow_views.objection_add, name="objection_add"),
    path("<int:pk>/follow-up/", workflow_views.follow_up_add, name="follow_up_add"),
    path("public-notices/", public_notice_views.public_notice_board, name="public_notices"),
    path("<int:pk>/payments/<int:payment_pk>/", workflow_views.payment_status, name="payment_status"),
    path("<int:pk>/payments/<int:payment_pk>/reissue/", workflow_views.payment_reissue_view,
         name="payment_reissue"),
    path("<int:pk>/objections/<int:objection_pk>/resolve/", workflow_views.objection_resolve,
         name="objection_resolve"),
    path("<int:pk>/refusal-notice/", workflow_views.refusal_notice, name="refusal_notice"),
    # Printed forms (PDF, made by the worker): ask, watch, download.
    path("<int:pk>/print/<slug:form>/", print_views.print_request, name="print"),
    path("<int:pk>/print/<slug:form>/<uuid:request_id>/", print_views.print_status, name="print_status"),
    path("<int:pk>/print/<slug:form>/<uuid:request_id>/download/", print_views.print_download,
         name="print_download"),
    path("relative-filings/", workflow_views.relative_filings, name="relative_filings"),
    path("relative-filings/<int:pk>/retire/", workflow_views.relative_filing_retire, name="relative_filing_retire"),
]

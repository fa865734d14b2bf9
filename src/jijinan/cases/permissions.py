"""The rows the cases app adds to the permission matrix: intake, the case page, attachments.

A case lives with its handling township (``handling_region``). An informant reports cases in
their area but sees only their own reports afterwards (``CASE_VIEW_OWN``, scoped by creator).
Department handlers and partners see nothing of a case until the referrals issue gives them tasks.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import ALL_ROLES, Role, Rule, ScopeKind, ScopePaths

R = Role
INTAKE_ROLES = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                          R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER, R.INFORMANT, R.ADMINISTRATOR})
VIEW_ROLES = (INTAKE_ROLES - {R.INFORMANT}) | {R.SUPERVISOR, R.SOCIAL_WORKER}
ATTACH_ROLES = INTAKE_ROLES - {R.INFORMANT}
# Township staff attach a registry person to a case taken up without one (a hotline may not register).
IDENTIFY_ROLES = frozenset({R.WINDOW_CLERK, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF,
                            R.COUNTY_APPROVER})
# Who edits a case's details in its area (a hotline operator only the hotline's cases or their own:
# jijinan.cases.work_orders checks that).
WORK_ORDER_ROLES = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                              R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER})

CASE_CREATE = "cases.case.create"
CASE_VIEW = "cases.case.view"
CASE_VIEW_OWN = "cases.case.view_own"
ATTACHMENT_ADD = "cases.attachment.add"
SUBJECT_IDENTIFY = "cases.case.identify_subject"
WORK_ORDER_ADD = "cases.case.work_order_add"
VOCABULARY_VIEW = "cases.vocabulary.view"
ON_CALL_MANAGE = "cases.on_call.manage"
# Its row is the workflow's (cases.workflow.transitions); the aid services check it too.
PAYMENT_MANAGE = "cases.payment.manage"

CASE_PATHS = ScopePaths(region="handling_region", owner="created_by")
ATTACHMENT_PATHS = ScopePaths(region="case__handling_region", owner="case__created_by")
ON_CALL_PATHS = ScopePaths(region="county")

ROWS = [
    Rule(CASE_CREATE, INTAKE_ROLES, ScopeKind.REGION, _("受理急难事项")),
    Rule(CASE_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看急难事项")),
    Rule(CASE_VIEW_OWN, frozenset({R.INFORMANT}), ScopeKind.OWN, _("查看本人报告的急难事项")),
    Rule(ATTACHMENT_ADD, ATTACH_ROLES, ScopeKind.REGION, _("上传急难事项附件"), view_action=CASE_VIEW),
    Rule(SUBJECT_IDENTIFY, IDENTIFY_ROLES, ScopeKind.REGION, _("确认身份不明对象的身份"), view_action=CASE_VIEW),
    Rule(WORK_ORDER_ADD, WORK_ORDER_ROLES, ScopeKind.REGION, _("关联热线工单（12345、110、120）"),
         view_action=CASE_VIEW),
    Rule(VOCABULARY_VIEW, ALL_ROLES, ScopeKind.SIGNED_IN, _("查看急难类别和需求类型")),
    Rule(ON_CALL_MANAGE, frozenset({R.COUNTY_APPROVER, R.ADMINISTRATOR}), ScopeKind.REGION,
         _("维护危机预警值班表")),
]

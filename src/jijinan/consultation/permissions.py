"""The rows consultation adds to the permission matrix.

An escalation is seen through its case's handling region (the township's caseworkers, the county,
the government leaders and supervisors above it); the government side — convening, inviting,
recording the meeting, deciding — is checked against the region of the government it was
escalated to, so a township lead cannot decide what went to the county. A department's opinion is
given by the handlers whose grant covers the invited office (region subtree and department type),
by the staff of an invited organisation of another kind, or recorded by the convener on its behalf.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.cases.permissions import CASE_VIEW
from jijinan.cases.workflow.transitions import CASEWORKERS
from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

R = Role
GOVERNMENT_SIDE = frozenset({R.GOVERNMENT_LEADER, R.COUNTY_APPROVER, R.TOWNSHIP_LEAD})
VIEW_ROLES = CASEWORKERS | GOVERNMENT_SIDE | frozenset({R.SUPERVISOR, R.SOCIAL_WORKER})
OWN_OFFICE_ROLES = frozenset({R.COUNTY_APPROVER, R.TOWNSHIP_LEAD, R.GOVERNMENT_LEADER, R.PARTNER_STAFF,
                              R.SOCIAL_WORKER, R.RELIEF_STATION_STAFF})

ESCALATION_VIEW = "consultation.escalation.view"
ESCALATION_RAISE = "consultation.escalation.raise"
CONSULTATION_MANAGE = "consultation.consultation.manage"
EXPLANATION_RECORD = "consultation.explanation.record"
OPINION_VIEW_OFFICE = "consultation.opinion.view_office"
OPINION_GIVE = "consultation.opinion.give"
OPINION_GIVE_OWN = "consultation.opinion.give_own_office"
ESCALATION_WITHDRAW = "consultation.escalation.withdraw"

ESCALATION_PATHS = ScopePaths(region="case__handling_region")
GOVERNMENT_PATHS = ScopePaths(region="region")
OPINION_OFFICE_PATHS = ScopePaths(region="office__region", department_type="office__department_type__code")

ROWS = [
    Rule(ESCALATION_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看报告协商和会商")),
    Rule(ESCALATION_RAISE, CASEWORKERS, ScopeKind.REGION, _("报告协商（一事一议、稳定风险等）"),
         view_action=CASE_VIEW),
    Rule(CONSULTATION_MANAGE, GOVERNMENT_SIDE, ScopeKind.REGION,
         _("召集会商、征求部门意见、登记会议和作出会商决定"), view_action=ESCALATION_VIEW),
    Rule(ESCALATION_WITHDRAW, CASEWORKERS | GOVERNMENT_SIDE, ScopeKind.REGION, _("撤回尚未召集会商的报告"),
         view_action=ESCALATION_VIEW),
    Rule(EXPLANATION_RECORD, CASEWORKERS | GOVERNMENT_SIDE, ScopeKind.REGION, _("登记政策解释"),
         view_action=ESCALATION_VIEW),
    Rule(OPINION_VIEW_OFFICE, frozenset({R.DEPARTMENT_HANDLER}), ScopeKind.DEPARTMENT,
         _("查看本部门受邀的会商")),
    Rule(OPINION_GIVE, frozenset({R.DEPARTMENT_HANDLER}), ScopeKind.DEPARTMENT, _("提出本部门的会商意见"),
         view_action=OPINION_VIEW_OFFICE),
    Rule(OPINION_GIVE_OWN, OWN_OFFICE_ROLES, ScopeKind.ANYWHERE, _("提出本单位的会商意见")),
]

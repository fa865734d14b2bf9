"""The rows referrals add to the permission matrix.

A task has two sides. The case side (the township's caseworkers, and whoever may see the case)
reaches it through the case's handling region. The office side — a department handler's grant
(role, region subtree, department type) — reaches the tasks addressed to offices of that type
inside that subtree, and of their cases only the minimum (``selectors.TaskBrief``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.cases.permissions import CASE_VIEW, VIEW_ROLES
from jijinan.cases.workflow.transitions import CASEWORKERS
from jijinan.core.permissions import ALL_ROLES, STAFF_ROLES, Role, Rule, ScopeKind, ScopePaths

R = Role
OFFICE_ROLES = frozenset({R.DEPARTMENT_HANDLER})
FLAG_ROLES = frozenset({R.SUPERVISOR, R.COUNTY_APPROVER, R.GOVERNMENT_LEADER, R.ADMINISTRATOR})
# A flag is settled (resolved with the finding, or dismissed with the reason) by the supervisors and
# the government of the region that covers every party.
FLAG_SETTLE_ROLES = frozenset({R.SUPERVISOR, R.GOVERNMENT_LEADER})

TASK_VIEW = "referrals.task.view"
TASK_LOCATE = "referrals.task.locate"
TASK_OPEN = "referrals.task.open"
TASK_REASSIGN = "referrals.task.reassign"
TASK_CANCEL = "referrals.task.cancel"
TASK_ANSWER = "referrals.task.answer"
OFFICE_VIEW = "referrals.task.view_office"
TASK_HANDLE = "referrals.task.handle"
TASK_TRANSFER = "referrals.task.transfer"
FLAG_VIEW = "referrals.flag.view"
FLAG_SETTLE = "referrals.flag.settle"
MATRIX_VIEW = "referrals.matrix.view"
MATRIX_MANAGE = "referrals.matrix.manage"

CASE_SIDE_PATHS = ScopePaths(region="case__handling_region")
OFFICE_PATHS = ScopePaths(region="office__region", department_type="office__department_type__code")
FLAG_PATHS = ScopePaths(region="covering_region")

ROWS = [
    Rule(TASK_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看事项的部门任务")),
    Rule(TASK_LOCATE, ALL_ROLES, ScopeKind.SIGNED_IN, _("打开部门任务的链接")),
    Rule(TASK_OPEN, CASEWORKERS, ScopeKind.REGION, _("分办部门任务"), view_action=CASE_VIEW),
    Rule(TASK_REASSIGN, CASEWORKERS, ScopeKind.REGION, _("重新交办被退回的部门任务"), view_action=TASK_VIEW),
    Rule(TASK_CANCEL, CASEWORKERS, ScopeKind.REGION, _("撤回部门任务"), view_action=TASK_VIEW),
    Rule(TASK_ANSWER, CASEWORKERS, ScopeKind.REGION, _("为部门任务补充材料"), view_action=TASK_VIEW),
    Rule(OFFICE_VIEW, OFFICE_ROLES, ScopeKind.DEPARTMENT, _("查看本部门的任务")),
    Rule(TASK_HANDLE, OFFICE_ROLES, ScopeKind.DEPARTMENT, _("办理本部门的任务（接收、退回、进展、办结）"),
         view_action=OFFICE_VIEW),
    Rule(TASK_TRANSFER, OFFICE_ROLES, ScopeKind.DEPARTMENT, _("将任务转办其他部门"), view_action=OFFICE_VIEW),
    Rule(FLAG_VIEW, FLAG_ROLES, ScopeKind.REGION, _("查看推诿预警")),
    Rule(FLAG_SETTLE, FLAG_SETTLE_ROLES, ScopeKind.REGION, _("处理推诿预警（查实处理或排除）"),
         view_action=FLAG_VIEW),
    Rule(MATRIX_VIEW, STAFF_ROLES, ScopeKind.ANYWHERE, _("查看部门职责清单")),
    Rule(MATRIX_MANAGE, frozenset({R.ADMINISTRATOR}), ScopeKind.PROVINCE, _("维护部门职责清单")),
]

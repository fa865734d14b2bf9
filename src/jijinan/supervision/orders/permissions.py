"""The rows 督办 orders add to the permission matrix.

An order is seen in the region of its matter (the case's township and everything above it) by the
supervisors, government leaders, county approvers and township leads there; the addressee's side
sees and answers the orders addressed to an office their grant covers (its region subtree, and the
department type for department handlers). Orders are issued, closed, sent back and cancelled by
supervisors and government leaders whose grant covers the matter's region.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

R = Role
VIEW_ROLES = frozenset({R.SUPERVISOR, R.GOVERNMENT_LEADER, R.COUNTY_APPROVER, R.TOWNSHIP_LEAD})
ISSUE_ROLES = frozenset({R.SUPERVISOR, R.GOVERNMENT_LEADER})
ANSWER_ROLES = frozenset({R.DEPARTMENT_HANDLER, R.COUNTY_APPROVER, R.TOWNSHIP_LEAD, R.TOWNSHIP_REVIEWER,
                          R.GOVERNMENT_LEADER, R.RELIEF_STATION_STAFF})

ORDER_VIEW = "supervision.order.view"
ORDER_READ = "supervision.order.read"
ORDER_ISSUE = "supervision.order.issue"
ORDER_VIEW_ADDRESSED = "supervision.order.view_addressed"
ORDER_ANSWER = "supervision.order.answer"

ORDER_PATHS = ScopePaths(region="region")
ADDRESSEE_PATHS = ScopePaths(region="addressee_office__region",
                             department_type="addressee_office__department_type__code")

ROWS = [
    Rule(ORDER_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看辖区的督办单")),
    Rule(ORDER_READ, VIEW_ROLES | ANSWER_ROLES, ScopeKind.REGION, _("查看督办单（辖区的或交本单位办理的）")),
    Rule(ORDER_ISSUE, ISSUE_ROLES, ScopeKind.REGION, _("发出督办，审核答复（办结或退回）和撤销督办"),
         view_action=ORDER_VIEW),
    Rule(ORDER_VIEW_ADDRESSED, ANSWER_ROLES, ScopeKind.DEPARTMENT, _("查看交本单位办理的督办单")),
    Rule(ORDER_ANSWER, ANSWER_ROLES, ScopeKind.DEPARTMENT, _("答复交本单位办理的督办单"),
         view_action=ORDER_VIEW_ADDRESSED),
]

"""The rows the verification app adds to the permission matrix.

Township staff record a household's written authorisation and ask for the checks; the county
(POLICY.md §8: "the county queries") enters or imports what each source answered and issues the
report; supervisors read. Every row is scoped by the household's region.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind

R = Role
TOWNSHIP_ROLES = frozenset({R.WINDOW_CLERK, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD})
COUNTY_ROLES = frozenset({R.COUNTY_APPROVER, R.ADMINISTRATOR})
VIEW_ROLES = TOWNSHIP_ROLES | COUNTY_ROLES | {R.SUPERVISOR}

VERIFICATION_VIEW = "verification.view"
AUTHORISATION_MANAGE = "verification.authorisation.manage"
REQUEST_MANAGE = "verification.request.manage"
RESULT_MANAGE = "verification.result.manage"
REPORT_ISSUE = "verification.report.issue"

ROWS = [
    Rule(VERIFICATION_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看家庭经济状况核对（授权、请求、结果、报告）")),
    Rule(AUTHORISATION_MANAGE, TOWNSHIP_ROLES, ScopeKind.REGION, _("登记或撤销核对授权书"),
         view_action=VERIFICATION_VIEW),
    Rule(REQUEST_MANAGE, TOWNSHIP_ROLES, ScopeKind.REGION, _("发起或取消核对请求"),
         view_action=VERIFICATION_VIEW),
    Rule(RESULT_MANAGE, COUNTY_ROLES, ScopeKind.REGION, _("录入或导入核对结果"), view_action=VERIFICATION_VIEW),
    Rule(REPORT_ISSUE, COUNTY_ROLES, ScopeKind.REGION, _("出具核对报告"), view_action=VERIFICATION_VIEW),
]

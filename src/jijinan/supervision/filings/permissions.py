"""The rows the filing of township approvals (备案) adds to the permission matrix.

A filing is seen through the township that approved it: the county approvers and supervisors of
its county (and above) see their county's filings, a township lead those of their own township.
The county approvers and supervisors draw the random sample for spot checks (on their county) and
record each sampled filing's finding.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

R = Role
CHECKERS = frozenset({R.COUNTY_APPROVER, R.SUPERVISOR})
VIEWERS = CHECKERS | {R.TOWNSHIP_LEAD}

FILING_VIEW = "supervision.filing.view"
FILING_DRAW = "supervision.filing.draw"
FILING_CHECK = "supervision.filing.check"

FILING_PATHS = ScopePaths(region="township")
DRAW_PATHS = ScopePaths(region="county")

ROWS = [
    Rule(FILING_VIEW, VIEWERS, ScopeKind.REGION, _("查看乡镇审批备案")),
    Rule(FILING_DRAW, CHECKERS, ScopeKind.REGION, _("随机抽取乡镇审批备案进行抽查"), view_action=FILING_VIEW),
    Rule(FILING_CHECK, CHECKERS, ScopeKind.REGION, _("登记备案抽查结论"), view_action=FILING_VIEW),
]

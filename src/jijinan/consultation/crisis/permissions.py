"""The rows the crisis intervention track adds to the permission matrix.

A crisis is seen by whoever may see its case (through the case's handling region); its steps are
recorded by the township's caseworkers, the township lead, the county approver and social workers
there. The home panel of open crises is the township lead's and the county approver's.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.cases.permissions import VIEW_ROLES
from jijinan.cases.workflow.transitions import CASEWORKERS
from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

R = Role
CRISIS_VIEW = "consultation.crisis.view"
CRISIS_RECORD = "consultation.crisis.record"
CRISIS_WATCH = "consultation.crisis.watch"

RECORD_ROLES = CASEWORKERS | frozenset({R.SOCIAL_WORKER})
WATCH_ROLES = frozenset({R.TOWNSHIP_LEAD, R.COUNTY_APPROVER})

CASE_PATHS = ScopePaths(region="handling_region")

ROWS = [
    Rule(CRISIS_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看危机干预")),
    Rule(CRISIS_RECORD, RECORD_ROLES, ScopeKind.REGION, _("登记危机干预（首次接触、干预方案、再评估、解除）"),
         view_action=CRISIS_VIEW),
    Rule(CRISIS_WATCH, WATCH_ROLES, ScopeKind.REGION, _("在首页关注辖区的危机个案")),
]

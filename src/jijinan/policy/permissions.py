"""The rows the policy app adds to the permission matrix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import STAFF_ROLES, Role, Rule, ScopeKind

POLICY_VIEW = "policy.view"
POLICY_MANAGE = "policy.manage"
POLICY_EVALUATE = "policy.evaluate"
DECISION_VIEW = "policy.decision.view"
DECISION_EXPORT = "policy.decision.export"

R = Role
# Who works out entitlements for applicants: the window, the hotline and the civil-affairs line.
EVALUATE_ROLES = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                            R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER, R.SOCIAL_WORKER, R.ADMINISTRATOR})

ROWS = [
    # Parameters are reference data: every office applies them and compares regions.
    Rule(POLICY_VIEW, STAFF_ROLES, ScopeKind.ANYWHERE, _("查看政策参数")),
    # A version's region must lie in the subtree of one of the editor's administrator grants.
    Rule(POLICY_MANAGE, frozenset({Role.ADMINISTRATOR}), ScopeKind.REGION, _("维护政策参数"),
         view_action=POLICY_VIEW),
    # The region of the inputs (where the applicant is handled) must lie in the user's area; the
    # calculation itself saves nothing unless asked to keep it as a decision record.
    Rule(POLICY_EVALUATE, EVALUATE_ROLES, ScopeKind.REGION, _("测算救助资格与金额")),
    # A decision record lives in the region whose parameters it applied.
    Rule(DECISION_VIEW, EVALUATE_ROLES | {R.SUPERVISOR}, ScopeKind.REGION, _("查看决定记录")),
    Rule(DECISION_EXPORT, EVALUATE_ROLES | {R.SUPERVISOR}, ScopeKind.REGION, _("导出决定记录"),
         view_action=DECISION_VIEW),
]

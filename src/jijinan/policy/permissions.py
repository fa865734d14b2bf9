"""The rows the policy app adds to the permission matrix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import STAFF_ROLES, Role, Rule, ScopeKind

POLICY_VIEW = "policy.view"
POLICY_MANAGE = "policy.manage"

ROWS = [
    # Parameters are reference data: every office applies them and compares regions.
    Rule(POLICY_VIEW, STAFF_ROLES, ScopeKind.ANYWHERE, _("查看政策参数")),
    # A version's region must lie in the subtree of one of the editor's administrator grants.
    Rule(POLICY_MANAGE, frozenset({Role.ADMINISTRATOR}), ScopeKind.REGION, _("维护政策参数"),
         view_action=POLICY_VIEW),
]

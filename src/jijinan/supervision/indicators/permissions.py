"""The rows the indicators page adds to the permission matrix: supervisors, government leaders,
county approvers and township leads read the indicators of their region subtree."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind

INDICATOR_VIEW = "supervision.indicator.view"
INDICATOR_EXPORT = "supervision.indicator.export"

INDICATOR_ROLES = frozenset({Role.SUPERVISOR, Role.GOVERNMENT_LEADER, Role.COUNTY_APPROVER, Role.TOWNSHIP_LEAD})

ROWS = [
    Rule(INDICATOR_VIEW, INDICATOR_ROLES, ScopeKind.REGION, _("查看工作指标")),
    Rule(INDICATOR_EXPORT, INDICATOR_ROLES, ScopeKind.REGION, _("导出工作指标")),
]

"""The rows the deadlines board adds to the permission matrix.

The board is read through the deadlines' own region code: supervisors, government leaders, county
approvers and township leads see every deadline of their region subtree. Department handlers are
left out on purpose: a deadline carries no department type, so a region-wide board would show a
handler every case near them; they follow their office's tasks on the office queue instead.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind

BOARD_VIEW = "supervision.board.view"
BOARD_EXPORT = "supervision.board.export"

BOARD_ROLES = frozenset({Role.SUPERVISOR, Role.GOVERNMENT_LEADER, Role.COUNTY_APPROVER, Role.TOWNSHIP_LEAD})

ROWS = [
    Rule(BOARD_VIEW, BOARD_ROLES, ScopeKind.REGION, _("查看督查期限看板")),
    Rule(BOARD_EXPORT, BOARD_ROLES, ScopeKind.REGION, _("导出督查期限看板")),
]

"""Who may see, adjust and export deadlines (registered at the core app's ``ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from jijinan.core.permissions import Role, Rule, ScopeKind

# A department handler or an informant sees only their own tasks or reports, and partners only
# what was referred to them: region-wide lists of deadlines would show them every case nearby.
DEADLINE_VIEWERS = frozenset({
    Role.WINDOW_CLERK, Role.HOTLINE_OPERATOR, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD,
    Role.RELIEF_STATION_STAFF, Role.COUNTY_APPROVER, Role.SOCIAL_WORKER, Role.GOVERNMENT_LEADER,
    Role.SUPERVISOR, Role.ADMINISTRATOR,
})
DEADLINE_MANAGERS = frozenset({
    Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.SUPERVISOR,
    Role.ADMINISTRATOR,
})
DEADLINE_RULES = [
    Rule("deadlines.view", DEADLINE_VIEWERS, ScopeKind.REGION, gettext_lazy("查看期限")),
    Rule("deadlines.manage", DEADLINE_MANAGERS, ScopeKind.REGION, gettext_lazy("调整期限"),
         view_action="deadlines.view"),
    # Whoever sees the deadlines of a region may export that list.
    Rule("deadlines.export", DEADLINE_VIEWERS, ScopeKind.REGION, gettext_lazy("导出期限列表")),
]

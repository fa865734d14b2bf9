"""The rows the work queues add to the permission matrix (the queue, the area list, the overdue
list, the case search and the queue's Excel export), all scoped by the case's handling region."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind

R = Role
# Who works cases and so has a queue of them.
QUEUE_ROLES = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                         R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER, R.SOCIAL_WORKER, R.SUPERVISOR,
                         R.ADMINISTRATOR})
# Who answers for an area's work as a whole: every open case of the area, whoever holds it.
AREA_ROLES = frozenset({R.TOWNSHIP_LEAD, R.COUNTY_APPROVER, R.SUPERVISOR, R.ADMINISTRATOR})
OVERDUE_ROLES = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.COUNTY_APPROVER, R.SUPERVISOR,
                           R.ADMINISTRATOR})
# Who may take a list of cases out of the system (Excel): those who answer for an area's work.
EXPORT_ROLES = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER,
                          R.SUPERVISOR, R.ADMINISTRATOR})
# Who may export the subjects' ID numbers and the phone numbers in clear (with a reason, logged).
EXPORT_UNMASK_ROLES = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF,
                                 R.COUNTY_APPROVER, R.ADMINISTRATOR})

QUEUE_VIEW = "cases.queue.view"
QUEUE_AREA_VIEW = "cases.queue.area"
OVERDUE_VIEW = "cases.overdue.view"
CASE_SEARCH = "cases.search"
QUEUE_EXPORT = "cases.queue.export"
QUEUE_EXPORT_UNMASK = "cases.queue.export_unmask"

QUEUE_ROWS = [
    Rule(QUEUE_VIEW, QUEUE_ROLES, ScopeKind.REGION, _("查看本人的待办急难事项")),
    Rule(QUEUE_AREA_VIEW, AREA_ROLES, ScopeKind.REGION, _("查看本辖区全部待办急难事项")),
    Rule(OVERDUE_VIEW, OVERDUE_ROLES, ScopeKind.REGION, _("查看本辖区超期急难事项")),
    Rule(CASE_SEARCH, QUEUE_ROLES, ScopeKind.REGION, _("按关键词或电话查找急难事项")),
    Rule(QUEUE_EXPORT, EXPORT_ROLES, ScopeKind.REGION, _("导出待办急难事项列表")),
    Rule(QUEUE_EXPORT_UNMASK, EXPORT_UNMASK_ROLES, ScopeKind.REGION, _("导出待办事项时显示完整证件号和电话")),
]


"""The rows accountability records (责任追究) add to the permission matrix.

A record is seen, made, corrected and exported only by the supervisors (督查) and the government
leaders whose region scope holds the record's region (the case's handling township, the task's
case, the order's region): not by the approvers or the departments it may be about.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

ACCOUNTABILITY_ROLES = frozenset({Role.SUPERVISOR, Role.GOVERNMENT_LEADER})

ACCOUNTABILITY_VIEW = "supervision.accountability.view"
ACCOUNTABILITY_RECORD = "supervision.accountability.record"
ACCOUNTABILITY_EXPORT = "supervision.accountability.export"

ACCOUNTABILITY_PATHS = ScopePaths(region="region")
OFFICE_PATHS = ScopePaths(region="region")

ROWS = [
    Rule(ACCOUNTABILITY_VIEW, ACCOUNTABILITY_ROLES, ScopeKind.REGION, _("查看责任追究记录")),
    Rule(ACCOUNTABILITY_RECORD, ACCOUNTABILITY_ROLES, ScopeKind.REGION, _("登记和更正责任追究记录"),
         view_action=ACCOUNTABILITY_VIEW),
    Rule(ACCOUNTABILITY_EXPORT, ACCOUNTABILITY_ROLES, ScopeKind.REGION, _("导出责任追究记录（年度考核）")),
]

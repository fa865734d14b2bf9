"""The rows the exchange app adds to the permission matrix.

County civil-affairs approvers and administrators import every source inside their area;
department handlers import their own department type's event sources (a 医保 handler the
hospital bills, not the registry's rolls). Batches are seen by their importers' roles and by
supervisors, scoped by the batch's region and, for department handlers, its department type.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths

R = Role
IMPORT_ROLES = frozenset({R.COUNTY_APPROVER, R.ADMINISTRATOR, R.DEPARTMENT_HANDLER})
REGISTRY_IMPORT_ROLES = frozenset({R.COUNTY_APPROVER, R.ADMINISTRATOR})
VIEW_ROLES = IMPORT_ROLES | {R.SUPERVISOR}

SOURCE_VIEW = "exchange.source.view"
BATCH_VIEW = "exchange.batch.view"
BATCH_IMPORT = "exchange.batch.import"
BATCH_IMPORT_REGISTRY = "exchange.batch.import_registry"
BATCH_UNDO = "exchange.batch.undo"

BATCH_PATHS = ScopePaths(region="region", department_type="department_type__code")

ROWS = [
    Rule(SOURCE_VIEW, VIEW_ROLES, ScopeKind.ANYWHERE, _("查看可导入的数据来源")),
    Rule(BATCH_VIEW, VIEW_ROLES, ScopeKind.DEPARTMENT, _("查看数据导入批次")),
    Rule(BATCH_IMPORT, IMPORT_ROLES, ScopeKind.DEPARTMENT, _("导入部门数据文件"), view_action=BATCH_VIEW),
    Rule(BATCH_IMPORT_REGISTRY, REGISTRY_IMPORT_ROLES, ScopeKind.REGION,
         _("导入救助对象名册和救助项目名册"), view_action=BATCH_VIEW),
    Rule(BATCH_UNDO, IMPORT_ROLES, ScopeKind.DEPARTMENT, _("撤销数据导入批次"), view_action=BATCH_VIEW),
]

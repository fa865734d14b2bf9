"""The rows accounts and regions add to the permission matrix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import ALL_ROLES, STAFF_ROLES, Role, Rule, ScopeKind

ADMIN = frozenset({Role.ADMINISTRATOR})
ADMIN_AND_SUPERVISOR = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})

ROWS = [
    Rule("accounts.self", ALL_ROLES, ScopeKind.SIGNED_IN, _("管理自己的账户")),
    Rule("accounts.department_type.view", ALL_ROLES, ScopeKind.SIGNED_IN, _("查看部门类型")),
    Rule("accounts.department_type.manage", ADMIN, ScopeKind.PROVINCE, _("维护部门类型")),
    # Organisations are reference data: staff need the offices of other areas to refer work.
    Rule("accounts.organisation.view", STAFF_ROLES, ScopeKind.ANYWHERE, _("查看机构")),
    Rule("accounts.organisation.manage", ADMIN, ScopeKind.REGION, _("维护机构"),
         view_action="accounts.organisation.view"),
    Rule("accounts.staff.view", ADMIN_AND_SUPERVISOR, ScopeKind.REGION, _("查看工作人员")),
    Rule("accounts.staff.manage", ADMIN, ScopeKind.REGION, _("维护工作人员"),
         view_action="accounts.staff.view"),
    Rule("accounts.staff.unmask", ADMIN, ScopeKind.REGION, _("查看工作人员完整手机号"),
         view_action="accounts.staff.view"),
    Rule("accounts.grant.manage", ADMIN, ScopeKind.REGION, _("授予或撤销权限"),
         view_action="accounts.staff.view"),
    # Exports of the lists to Excel: the same rows as the list; the access log records each.
    Rule("accounts.organisation.export", STAFF_ROLES, ScopeKind.ANYWHERE, _("导出机构列表")),
    Rule("accounts.staff.export", ADMIN_AND_SUPERVISOR, ScopeKind.REGION, _("导出工作人员列表")),
    Rule("regions.view", ALL_ROLES, ScopeKind.ANYWHERE, _("查看行政区划")),
    Rule("regions.manage", ADMIN, ScopeKind.PROVINCE, _("维护行政区划")),
    Rule("regions.export", ALL_ROLES, ScopeKind.ANYWHERE, _("导出行政区划")),
]

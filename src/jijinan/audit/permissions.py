"""The rows the audit app adds to the permission matrix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import Role, Rule, ScopeKind

AUDIT_VIEW = "audit.view"
AUDIT_VERIFY = "audit.verify"
AUDIT_EXPORT = "audit.export"

ROWS = [
    # Events and access-log rows are scoped by the region code of the record they concern.
    Rule(AUDIT_VIEW, frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}), ScopeKind.REGION,
         _("查看审计记录")),
    # The verification report covers the whole chain, so it needs a province-wide grant.
    Rule(AUDIT_VERIFY, frozenset({Role.ADMINISTRATOR}), ScopeKind.PROVINCE, _("校验审计链")),
    # The same rows as the lists, to Excel; each export is itself logged in the access log.
    Rule(AUDIT_EXPORT, frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}), ScopeKind.REGION,
         _("导出审计记录和访问日志")),
]

"""Audit: events written by services, the access log of sensitive reads, and their sealer."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jijinan.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from jijinan.audit import tasks  # noqa: F401  (the sealer's periodic job)
        from jijinan.audit.permissions import ROWS
        from jijinan.core.permissions import register_actions

        register_actions(ROWS)

        from jijinan.audit.services import access_log_record, audit_record, audit_record_many
        from jijinan.core.audit_hook import set_access_recorder, set_audit_recorder

        set_audit_recorder(audit_record, many=audit_record_many)  # core services audit through these hooks
        set_access_recorder(access_log_record)

        from django.utils.translation import gettext_lazy as _

        from jijinan.core import nav
        from jijinan.core.nav import NavItem, register_nav

        register_nav(NavItem(80, _("审计记录"), "audit:events", "audit.view", "audit", nav.OVERSIGHT))

"""Accounts: organisations, staff, grants, tokens; installs the scope backend of the matrix."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jijinan.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from jijinan.accounts import demo, handovers  # noqa: F401
        from jijinan.accounts.permissions import ROWS
        from jijinan.accounts.scopes import GrantScopeBackend
        from jijinan.core.permissions import register_actions, set_scope_backend

        register_actions(ROWS)
        set_scope_backend(GrantScopeBackend())

        from django.utils.translation import gettext_lazy as _

        from jijinan.core import nav
        from jijinan.core.nav import NavItem, register_nav

        register_nav(NavItem(60, _("机构"), "accounts:organisations", "accounts.organisation.view",
                             "accounts", nav.SYSTEM))
        register_nav(NavItem(70, _("工作人员"), "accounts:staff_list", "accounts.staff.view", "accounts", nav.SYSTEM))

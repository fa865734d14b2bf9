"""Accounts: staff users (organisations, roles and grants build on this)."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jijinan.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from jijinan.accounts import demo  # noqa: F401

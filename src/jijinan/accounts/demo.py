"""Demo accounts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jijinan.accounts.services import user_ensure_superuser
from jijinan.core.demo import DemoContext, demo_step

# Demo accounts only exist in a demo database; the password is printed by `jijinan demo`.
DEMO_PASSWORD = "jijinan-demo-2026"  # noqa: S105


@demo_step("accounts.admin", order=100)
def demo_admin(ctx: DemoContext) -> None:
    _user, created = user_ensure_superuser(
        username="admin", password=DEMO_PASSWORD, full_name=_("系统管理员")
    )
    ctx.created("users", int(created))
    ctx.login(_("系统管理员"), "admin", DEMO_PASSWORD)

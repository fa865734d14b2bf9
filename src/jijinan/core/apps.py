"""The core app: the generic engines (calendar, deadlines, jobs, messaging, search, protected data), shared pieces."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jijinan.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Register the core's own jobs, periodic jobs, outbox handlers and demo data (the
        # calendar's demo step is in its services).
        from django.utils.translation import gettext_lazy as _
        from django.utils.translation import pgettext_lazy

        from jijinan.core import (
            demo,  # noqa: F401
            nav,
        )
        from jijinan.core.calendar import services as calendar_services  # noqa: F401
        from jijinan.core.jobs import outbox, tasks  # noqa: F401
        from jijinan.core.messaging import inbox, mail, sms  # noqa: F401
        from jijinan.core.nav import NavGroup, NavItem, register_nav, register_nav_group

        # The groups' names in the menu's own context: 对象 and 督查 mean other things elsewhere.
        for order, (code, label) in enumerate([
                (nav.WORKBENCH, pgettext_lazy("menu", "工作台")), (nav.CASES, pgettext_lazy("menu", "个案")),
                (nav.SUBJECTS, pgettext_lazy("menu", "对象")), (nav.COORDINATION, pgettext_lazy("menu", "部门协同")),
                (nav.OVERSIGHT, pgettext_lazy("menu", "督查")), (nav.POLICY_DATA, pgettext_lazy("menu", "政策与数据")),
                (nav.SYSTEM, pgettext_lazy("menu", "系统"))]):
            register_nav_group(NavGroup(code, (order + 1) * 10, label))
        register_nav(NavItem(1, _("首页"), "web:home", "", "web", nav.WORKBENCH))
        register_nav(NavItem(2, _("通知"), "inbox:list", "", "inbox", nav.WORKBENCH))
        register_nav(NavItem(40, _("工作日历"), "calendar:home", "calendar.manage", "calendar", nav.POLICY_DATA))
        register_nav(NavItem(90, _("后台队列"), "system:queues", "system.jobs.view", "system", nav.SYSTEM))
        register_nav(NavItem(99, _("接口文档"), "api:openapi-view", "", "api", nav.SYSTEM))
        # The deadline engine: its sweep and recomputation jobs, permissions, calendar hook, menu.
        from jijinan.core.deadlines import services as deadline_services
        from jijinan.core.deadlines.permissions import DEADLINE_RULES
        from jijinan.core.permissions import register_actions

        register_actions(DEADLINE_RULES)
        deadline_services.calendar_watch_install()
        from jijinan.core import home

        home.install()
        register_nav(NavItem(30, _("期限管理"), "deadlines:list", "deadlines.view", "deadlines", nav.WORKBENCH))

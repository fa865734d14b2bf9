"""Data exchange with departments: file imports in batches (validated, undoable)."""

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jijinan.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.core import nav
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.exchange import demo, tasks  # noqa: F401
        from jijinan.exchange.permissions import BATCH_VIEW, ROWS

        register_actions(ROWS)
        register_nav(NavItem(55, _("数据导入"), "exchange:batches", BATCH_VIEW, "exchange", nav.POLICY_DATA))
        register_action_labels({
            "exchange.batch.upload": _("上传导入文件"),
            "exchange.batch.reject": _("导入文件无法读取"),
            "exchange.batch.commit": _("确认导入"),
            "exchange.batch.discard": _("放弃导入"),
            "exchange.batch.undo": _("撤销导入批次"),
        })

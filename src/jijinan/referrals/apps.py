"""Referrals (分办 / 转办): the responsibility matrix, department tasks beside the stage line, accept
or return, transfers between offices, deflection flags, notices to the offices."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "jijinan.referrals"
    label = "referrals"
    verbose_name = "部门分办"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.cases.workflow.selectors import register_close_guard, register_close_warning
        from jijinan.core import nav
        from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.referrals import demo, extensions, notify, permissions, services  # noqa: F401
        from jijinan.referrals.deflection import services as deflection  # noqa: F401

        register_actions(permissions.ROWS)
        extensions.install()
        deadline_kind_register(DeadlineKind(
            code=services.TASK_DEADLINE, label=_("部门任务办理期限"), default_unit="working_days",
            subject_types=frozenset({services.TASK_SUBJECT}), subject_url=services.task_url,
            description=_("部门自收到分办任务起办结")))
        register_close_guard(services.open_tasks_block_closing)
        register_close_warning(services.unrouted_needs_warn_closing)
        register_nav(NavItem(13, _("部门任务"), "referrals:office_queue", permissions.OFFICE_VIEW,
                             "referrals", nav.COORDINATION))
        register_nav(NavItem(33, _("推诿预警"), "referrals:flags", permissions.FLAG_VIEW, "referrals", nav.OVERSIGHT))
        register_nav(NavItem(34, _("职责清单"), "referrals:matrix", permissions.MATRIX_VIEW, "referrals",
                             nav.COORDINATION))
        register_action_labels({
            "referrals.task.open": _("分办部门任务"),
            "referrals.task.accept": _("接收部门任务"),
            "referrals.task.return": _("退回部门任务"),
            "referrals.task.ask": _("要求补充材料"),
            "referrals.task.answer": _("补充材料"),
            "referrals.task.progress": _("登记办理进展"),
            "referrals.task.complete": _("办结部门任务"),
            "referrals.task.transfer": _("转办部门任务"),
            "referrals.task.reassign": _("重新交办部门任务"),
            "referrals.task.cancel": _("撤回部门任务"),
            "referrals.flag.raise": _("推诿预警"),
            "referrals.flag.supervise": _("推诿预警转入督办"),
            "referrals.flag.resolve": _("推诿预警查实处理"),
            "referrals.flag.dismiss": _("排除推诿预警"),
            "referrals.matrix.add": _("新增职责清单条目"),
            "referrals.matrix.change": _("修改职责清单条目"),
            "referrals.matrix.retire": _("停用职责清单条目"),
        })

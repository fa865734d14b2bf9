"""Cases (急难事项): intake from every channel and triage (``intake/``), the stage line
(``workflow/``), aid and its payments (``aid/``), printed forms (``printing/``), work queues
(``queues/``), the public notice board (``public_notices/``), and the case page."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jijinan.cases"
    label = "cases"
    verbose_name = "急难事项"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels

        # demo and printing register their demo step and their job as they load.
        from jijinan.cases import demo, extensions, notices  # noqa: F401
        from jijinan.cases.intake import triage
        from jijinan.cases.permissions import CASE_CREATE, CASE_VIEW_OWN, ROWS
        from jijinan.cases.printing import services as printing  # noqa: F401
        from jijinan.cases.printing.permissions import PRINT_ROWS
        from jijinan.cases.queues.permissions import QUEUE_ROWS, QUEUE_VIEW
        from jijinan.cases.workflow import transitions as workflow
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.registry.links import HouseholdLink, PersonLink, register_household_link, register_person_link

        register_actions(ROWS)
        extensions.install()
        register_actions(QUEUE_ROWS)
        register_actions(PRINT_ROWS)
        register_actions(workflow.workflow_rules())
        triage.deadline_kinds_install()
        workflow.deadline_kinds_install()
        notices.sms_templates_install()
        register_nav(NavItem(30, _("受理登记"), "cases:intake", CASE_CREATE, "cases"))
        register_person_link(PersonLink(_("发起救助"), "cases:intake", CASE_CREATE, query="person"))
        register_household_link(HouseholdLink(_("发起救助"), "cases:intake", CASE_CREATE, query="household"))
        register_nav(NavItem(31, _("我的报告"), "cases:own_reports", CASE_VIEW_OWN, "cases"))
        register_nav(NavItem(12, _("待办事项"), "cases:queue", QUEUE_VIEW, "cases"))
        register_action_labels({
            "cases.case.intake": _("受理急难事项"),
            "cases.attachment.add": _("上传急难事项附件"),
            "cases.case.identify_subject": _("确认对象身份"),
            "cases.case.work_order_add": _("关联热线工单"),
            "cases.on_call.add": _("添加危机预警值班"),
            "cases.objection.add": _("登记公示异议"),
            "cases.objection.resolve": _("办结公示异议"),
            "cases.relative_filing.add": _("近亲属备案"),
            "cases.relative_filing.retire": _("撤销近亲属备案"),
            "cases.follow_up.record": _("登记回访结果"),
            "cases.payment.update": _("登记救助金发放结果"),
            "cases.payment.reissue": _("重新发放救助金"),
            **{t.action: t.label for t in workflow.TRANSITIONS.values()},
        })
        register_nav(NavItem(32, _("近亲属备案"), "cases:relative_filings", workflow.RELATIVE_FILING_VIEW, "cases"))

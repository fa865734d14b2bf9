"""Escalation and consultation (报告协商 / 会商): hard cases reported to the people's government, the
departments' opinions in parallel, the decision with each department's duty, policy explanation."""

from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "jijinan.consultation"
    label = "consultation"
    verbose_name = "报告协商"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.cases.workflow.services import register_escalation_trigger
        from jijinan.consultation import demo, extensions, notify, permissions, services  # noqa: F401
        from jijinan.core.permissions import register_actions

        register_actions(permissions.ROWS)
        register_escalation_trigger(services.review_trigger)
        extensions.install()
        register_action_labels({
            "consultation.escalation.raise": _("报告协商"),
            "consultation.escalation.trigger": _("报告协商追加原因"),
            "consultation.escalation.withdraw": _("撤回报告协商"),
            "consultation.consultation.convene": _("召集会商"),
            "consultation.consultation.invite": _("追加征求意见"),
            "consultation.opinion.give": _("提出会商意见"),
            "consultation.opinion.chase": _("催办会商意见"),
            "consultation.meeting.record": _("登记会商会议"),
            "consultation.consultation.decide": _("作出会商决定"),
            "consultation.explanation.record": _("登记政策解释"),
            "cases.case.consultation_release": _("会商决定作为审批依据"),
        })

"""Household means verification (家庭经济状况核对): authorisations, requests, results, reports."""

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "jijinan.verification"
    label = "verification"
    verbose_name = "家庭经济状况核对"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.core import nav
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.registry.links import HouseholdLink, register_household_link
        from jijinan.verification import demo  # noqa: F401
        from jijinan.verification.permissions import ROWS, VERIFICATION_VIEW

        register_actions(ROWS)
        register_nav(NavItem(25, _("经济状况核对"), "verification:requests", VERIFICATION_VIEW, "verification",
                             nav.SUBJECTS))
        register_household_link(HouseholdLink(_("经济状况核对"), "verification:household", VERIFICATION_VIEW))
        register_action_labels({
            "verification.authorisation.record": _("登记核对授权书"),
            "verification.authorisation.revoke": _("撤销核对授权书"),
            "verification.request.create": _("发起核对请求"),
            "verification.request.cancel": _("取消核对请求"),
            "verification.request.fail": _("核对请求查询失败"),
            "verification.result.enter": _("录入核对结果"),
            "verification.result.import": _("导入核对结果"),
            "verification.result.record": _("保存核对结果"),
            "verification.report.issue": _("出具核对报告"),
        })

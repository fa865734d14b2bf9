"""Policy: program parameters as data — effective-dated, overridden per region, cited, audited."""

from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jijinan.policy"
    label = "policy"
    verbose_name = "政策参数"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.core import nav
        from jijinan.core.extensions.subjects import register_parameter_titles
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.policy import demo  # noqa: F401
        from jijinan.policy.display import parameter_titles
        from jijinan.policy.permissions import DECISION_VIEW, POLICY_EVALUATE, POLICY_VIEW, ROWS

        register_actions(ROWS)
        register_parameter_titles(parameter_titles)
        register_nav(NavItem(45, _("政策参数"), "policy:index", POLICY_VIEW, "policy", nav.POLICY_DATA))
        register_nav(NavItem(30, _("资格测算"), "policy:calculator", POLICY_EVALUATE, "policy", nav.CASES))
        register_nav(NavItem(46, _("决定记录"), "policy:decisions", DECISION_VIEW, "policy", nav.POLICY_DATA))
        register_action_labels({
            "policy.version.add": _("新增参数版本"),
            "policy.decision.record": _("保存决定记录"),
            "policy.version.withdraw": _("撤回参数版本"),
            "policy.definition.create": _("新增政策参数"),
            "policy.definition.update": _("修改政策参数说明"),
            "policy.load": _("导入政策参数"),
        })

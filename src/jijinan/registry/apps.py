"""Registry: persons, households, program memberships, consents and the assistance chain."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jijinan.registry"
    label = "registry"
    verbose_name = "救助对象"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.audit.labels import register_action_labels
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.core.permissions import register_actions
        from jijinan.registry import demo  # noqa: F401
        from jijinan.registry.chain import register_chain_source, registry_entries
        from jijinan.registry.permissions import HOUSEHOLD_VIEW, PERSON_VIEW, ROWS
        from jijinan.registry.search import register_search_keys

        register_actions(ROWS)
        register_search_keys()
        register_chain_source("registry", registry_entries)
        register_nav(NavItem(20, _("救助对象"), "registry:persons", PERSON_VIEW, "registry"))
        register_nav(NavItem(21, _("家庭"), "registry:households", HOUSEHOLD_VIEW, "registry"))
        register_action_labels({
            "registry.person.create": _("登记救助对象"),
            "registry.person.update": _("修改救助对象"),
            "registry.household.create": _("登记家庭"),
            "registry.household.update": _("修改家庭申报信息"),
            "registry.household.member_add": _("添加家庭成员"),
            "registry.household.member_remove": _("移出家庭成员"),
            "registry.household.set_head": _("更换户主"),
            "registry.membership.create": _("登记救助项目"),
            "registry.membership.update": _("修改救助项目记录"),
            "registry.consent.grant": _("登记信息共享授权"),
            "registry.consent.withdraw": _("撤回信息共享授权"),
            "registry.program_type.create": _("新增救助项目类型"),
        })

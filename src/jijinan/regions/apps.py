"""Regions: the administrative division tree (province → village) with 12-digit codes."""

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "jijinan.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from jijinan.core import nav
        from jijinan.core.nav import NavItem, register_nav
        from jijinan.regions import demo  # noqa: F401

        register_nav(NavItem(50, _("行政区划"), "regions:index", "regions.view", "regions", nav.POLICY_DATA))

"""Supervision: the indicators page — every registered indicator of a region and period, with its
definition, drilled down by child region, exported to Excel and read through the API."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions and menu entry."""
    from django.utils.translation import gettext_lazy as _

    from jijinan.core import nav
    from jijinan.core.nav import NavItem, register_nav
    from jijinan.core.permissions import register_actions
    from jijinan.supervision.indicators.permissions import INDICATOR_VIEW, ROWS

    register_actions(ROWS)
    register_nav(NavItem(32, _("工作指标"), "supervision:indicators", INDICATOR_VIEW, "supervision", nav.OVERSIGHT))

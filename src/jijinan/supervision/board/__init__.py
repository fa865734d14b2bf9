"""Supervision: the deadlines board (overdue and due soon, by region, office, kind or person) and who
answers now for each stage and task."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions, panels, kinds, handlers and jobs."""
    from django.utils.translation import gettext_lazy as _

    from jijinan.core import nav
    from jijinan.core.extensions.panels import HomePanel, register_home_panel
    from jijinan.core.nav import NavItem, register_nav
    from jijinan.core.permissions import register_actions
    from jijinan.supervision.board.panels import board_panel
    from jijinan.supervision.board.permissions import BOARD_VIEW, ROWS

    register_actions(ROWS)
    register_home_panel(HomePanel(code="supervision.board", order=6, title=_("督查期限看板"), action=BOARD_VIEW,
                                  content=board_panel))
    register_nav(NavItem(30, _("督查期限看板"), "supervision:board", BOARD_VIEW, "supervision", nav.OVERSIGHT))

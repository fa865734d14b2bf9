"""Supervision: accountability records (责任追究)."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions, audit labels and menu entry."""
    from django.utils.translation import gettext_lazy as _

    from jijinan.audit.labels import register_action_labels
    from jijinan.core import nav
    from jijinan.core.permissions import register_actions
    from jijinan.supervision.accountability import demo, permissions  # noqa: F401

    register_actions(permissions.ROWS)
    nav.register_nav(nav.NavItem(37, _("责任追究"), "supervision:accountability", permissions.ACCOUNTABILITY_VIEW,
                                 "supervision", nav.OVERSIGHT))
    register_action_labels({
        "supervision.accountability.record": _("登记责任追究"),
        "supervision.accountability.correct": _("更正责任追究记录"),
    })

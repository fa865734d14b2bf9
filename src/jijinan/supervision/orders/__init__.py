"""Supervision: 督办 orders — opened by the system on overdue deadlines, deflection flags, escalations not
convened and consultation duties overdue, or by hand; answered by the addressee, closed or sent back
by the issuer, escalated one level up when left unanswered."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions, panels, kinds, handlers and jobs."""
    from jijinan.core.permissions import register_actions
    from jijinan.supervision.orders import demo, extensions, notify, permissions, sweep  # noqa: F401

    register_actions(permissions.ROWS)
    extensions.install()

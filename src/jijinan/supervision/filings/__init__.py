"""Supervision: the filing (备案) of township approvals with the county's spot checks."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions, outbox handler, audit labels, menu entry and home panel."""
    from django.utils.translation import gettext_lazy as _

    from jijinan.audit.labels import register_action_labels
    from jijinan.core.permissions import register_actions
    from jijinan.supervision.filings import demo, extensions, handlers, permissions  # noqa: F401

    register_actions(permissions.ROWS)
    extensions.install()
    register_action_labels({
        "supervision.filing.file": _("乡镇审批备案"),
        "supervision.filing.draw": _("随机抽取备案抽查"),
        "supervision.filing.check": _("登记备案抽查结论"),
    })

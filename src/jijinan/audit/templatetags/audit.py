"""`{% load audit %}`: the history and "who viewed this" panels for any record's page.

``{% audit_history record %}`` and ``{% access_history record %}`` render a placeholder that htmx
fills after the page has loaded (the record page does not pay for the panel); pass
``lazy=False`` to render the panel at once. Users without ``audit.view`` get nothing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from jijinan.audit import selectors
from jijinan.audit.labels import action_label
from jijinan.audit.permissions import AUDIT_VIEW
from jijinan.audit.services import ANONYMOUS_LABEL, subject_key
from jijinan.audit.views import PANEL_ROWS, full_list_url
from jijinan.core.permissions import can

register = template.Library()


def _panel(context: template.Context, which: str, subject: Any, subject_type: str,
           subject_id: Any, lazy: bool) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if subject is not None:
        subject_type, subject_id = subject_key(subject)
    subject_id = str(subject_id)
    allowed = bool(subject_type and subject_id) and can(user, AUDIT_VIEW)
    panel_url, list_url = (("audit:history_panel", "audit:events") if which == "history"
                           else ("audit:viewers_panel", "audit:access"))
    data: dict[str, Any] = {"allowed": allowed, "which": which, "lazy": lazy, "request": request,
                            "user": user}
    if not allowed:
        return data
    data["panel_url"] = full_list_url(panel_url, subject_type, subject_id)
    data["list_url"] = full_list_url(list_url, subject_type, subject_id)
    if not lazy:
        if which == "history":
            rows: list[Any] = list(selectors.audit_events_for_subject(
                user=user, subject_type=subject_type, subject_id=subject_id)[:PANEL_ROWS + 1])
            data["audit_events"] = rows[:PANEL_ROWS]
        else:
            rows = list(selectors.access_log_for_subject(
                user=user, subject_type=subject_type, subject_id=subject_id)[:PANEL_ROWS + 1])
            data["access_log"] = rows[:PANEL_ROWS]
        data["more_url"] = data["list_url"] if len(rows) > PANEL_ROWS else ""
    return data


@register.inclusion_tag("audit/_panel.html", takes_context=True)
def audit_history(context: template.Context, subject: Any = None, subject_type: str = "",
                  subject_id: Any = "", lazy: bool = True) -> dict[str, Any]:
    """The "history" panel: the audit events of ``subject``."""
    return _panel(context, "history", subject, subject_type, subject_id, lazy)


@register.inclusion_tag("audit/_panel.html", takes_context=True)
def access_history(context: template.Context, subject: Any = None, subject_type: str = "",
                   subject_id: Any = "", lazy: bool = True) -> dict[str, Any]:
    """The "who viewed this" panel: the access log of ``subject``."""
    return _panel(context, "viewers", subject, subject_type, subject_id, lazy)


@register.filter
def audit_action(code: str) -> str:
    return action_label(code)


@register.filter
def audit_actor(row: Any) -> str:
    if row.actor_label == ANONYMOUS_LABEL and row.actor_id is None:
        return _("未登录用户")
    return str(row.actor_label) or _("系统")


@register.filter
def audit_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(audit_value(v) for v in value)
    return str(value)

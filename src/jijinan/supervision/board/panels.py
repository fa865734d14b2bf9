"""The board's home panel: overdue, due today and open crises in the user's scope, linking to the board."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.extensions.panels import PANEL_ITEMS, PanelContent, PanelItem, due_note
from jijinan.supervision.board import selectors, views


def board_panel(user: Any) -> PanelContent | None:
    now = views._now()
    counts = selectors.panel_counts(user=user, now=now)
    items = []
    for d in selectors.panel_rows(user=user, now=now, limit=PANEL_ITEMS):
        when, state = due_note(d.due_at, now=now)
        items.append(PanelItem(text=f"{d.kind_label} · {d.subject_label.text}", url=d.subject_url, when=when,
                               state=state))
    return PanelContent(
        count=counts.overdue + counts.due_today,
        summary=_("已超期 %(overdue)s 项，今天到期 %(today)s 项，危机个案 %(crises)s 件") % {
            "overdue": counts.overdue, "today": counts.due_today, "crises": counts.crises},
        url=views.board_url(), link_text=_("打开督查期限看板"),
        empty_text=_("没有已超期或今天到期的事项，危机个案 %(crises)s 件。") % {"crises": counts.crises},
        urgent=bool(counts.overdue or counts.due_today or counts.crises), items=tuple(items),
        empty_url=views.board_url(), empty_link_text=_("查看临期事项"))

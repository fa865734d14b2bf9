"""The core's home-page panels: the user's own deadlines due today or overdue, and unread notices."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jijinan.core.calendar.workdays import end_of_day, local_date
from jijinan.core.deadlines.models import label_subjects
from jijinan.core.deadlines.selectors import deadlines_due_for_owner
from jijinan.core.extensions.panels import (
    PANEL_ITEMS,
    HomePanel,
    PanelContent,
    PanelItem,
    at_note,
    due_note,
    register_home_panel,
)
from jijinan.core.messaging.inbox import INBOX_VIEW, inbox_for_user
from jijinan.core.permissions import can


def due_panel(user: Any) -> PanelContent:
    now = timezone.now()
    due = deadlines_due_for_owner(user=user, until=end_of_day(local_date(now)))
    count = due.count()
    items = []
    late = 0
    if count:
        late = due.filter(due_at__lt=now).count()
        for d in label_subjects(list(due[:PANEL_ITEMS])):
            when, state = due_note(d.due_at, now=now)
            items.append(PanelItem(text=f"{d.kind_label} · {d.subject_label.text}",
                                   url=d.subject_url or reverse("deadlines:detail", args=[d.pk]),
                                   when=when, state=state))
    listed = count > 0 and can(user, "deadlines.view")
    return PanelContent(
        count=count,
        summary=_("%(count)d 项今天到期或已超期，其中 %(late)d 项已超期") % {"count": count, "late": late},
        url=reverse("deadlines:list") + "?owner=me" if listed else "",
        link_text=_("查看我负责的全部期限") if listed else "",
        empty_text=_("今天没有到期的事项。"), urgent=count > 0, items=tuple(items))


def inbox_panel(user: Any) -> PanelContent:
    now = timezone.now()
    unread = inbox_for_user(user=user, unread=True)
    count = unread.count()
    items = tuple(PanelItem(text=n.title, url=reverse("inbox:open", args=[n.pk]), when=at_note(n.created_at, now=now))
                  for n in unread[:PANEL_ITEMS]) if count else ()
    return PanelContent(
        count=count, summary=ngettext("%(count)d 条未读通知", "%(count)d 条未读通知", count) % {"count": count},
        url=reverse("inbox:list"), link_text=_("打开通知"), empty_text=_("没有未读通知。"),
        items=items, empty_url=reverse("inbox:list"), empty_link_text=_("查看已读的通知"))


def install() -> None:
    register_home_panel(HomePanel(code="core.due", order=5, title=gettext_lazy("今天到期和已超期"),
                                  action=INBOX_VIEW, content=due_panel))
    register_home_panel(HomePanel(code="core.inbox", order=40, title=gettext_lazy("未读通知"),
                                  action=INBOX_VIEW, content=inbox_panel))

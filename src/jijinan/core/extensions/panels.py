"""Home-page panels: each app registers what its users should see first ("what do I do now").

A panel belongs to the app that owns its records: cases shows the queue, referrals the office's
tasks, and later capabilities (consultation, supervision, enrollment …) add theirs the same way,
without touching the home page. A panel is shown to a user who holds its action somewhere; its
``content`` reads through the app's own selectors with the user's scope and may answer ``None``
to stay hidden. A panel lists its first few ``items`` (with how late or when due, in Beijing
time); an empty panel says so and suggests the next step, its own or one of the registered
``NextStep``s the user may take (e.g. 受理登记 for a clerk).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jijinan.core.calendar.workdays import SHANGHAI, local_date
from jijinan.core.permissions import can

PANEL_ITEMS = 5  # the first few items a panel lists; the rest are behind its link

LATE, TODAY, LATER = "late", "today", "later"


@dataclass(frozen=True)
class PanelItem:
    text: str | Promise  # e.g. the case number and the subject's name
    url: str
    when: str | Promise = ""  # e.g. "已超期 2 天", "今天 17:00 到期", "12月9日 10:30 收到"
    state: str = ""  # LATE, TODAY, LATER or "": how the ``when`` is marked


@dataclass(frozen=True)
class PanelContent:
    count: int  # how many things wait for the user
    summary: str | Promise  # one line, e.g. "3 件待办，1 件今天到期"
    url: str  # where the user acts on them
    link_text: str | Promise
    empty_text: str | Promise = ""  # shown when count is 0: that nothing waits
    urgent: bool = False  # something is overdue or due today
    items: tuple[PanelItem, ...] = ()  # the first few of them
    empty_url: str = ""  # the next step when count is 0 (else a registered NextStep is offered)
    empty_link_text: str | Promise = ""


@dataclass(frozen=True)
class NextStep:
    """Something useful to do when a panel is empty, offered to who holds ``action``."""

    code: str  # "<app>.<name>", unique
    order: int  # smaller first
    text: str | Promise  # a sentence, e.g. "可以去受理登记新的求助。"
    url_name: str
    link_text: str | Promise
    action: str
    query: str = ""  # added to the URL, e.g. "?channel=informant"
    also: tuple[str, ...] = ()  # further actions the user must hold


_next_steps: dict[str, NextStep] = {}


def register_next_step(step: NextStep) -> None:
    if step.code in _next_steps and _next_steps[step.code] != step:
        raise ValueError(f"next step {step.code!r} is registered twice")
    _next_steps[step.code] = step


def next_step_for(user: Any) -> NextStep | None:
    """The first registered next step ``user`` may take (smaller ``order`` first)."""
    for step in sorted(_next_steps.values(), key=lambda s: (s.order, s.code)):
        if can(user, step.action) and all(can(user, a) for a in step.also):
            return step
    return None


def _clock(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%H:%M")


def _day(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return _("%(month)d月%(day)d日") % {"month": local.month, "day": local.day}


def due_note(due_at: datetime, *, now: datetime | None = None) -> tuple[str, str]:
    """How a deadline stands, in Beijing time: ("已超期 2 天", LATE), ("今天 17:00 到期", TODAY) or
    ("12月9日 10:30 到期", LATER)."""
    now = now or timezone.now()
    if due_at < now:
        late = now - due_at
        if late >= timedelta(days=1):
            days = late.days
            return ngettext("已超期 %(n)d 天", "已超期 %(n)d 天", days) % {"n": days}, LATE
        hours = max(1, int(late.total_seconds() // 3600))
        return ngettext("已超期 %(n)d 小时", "已超期 %(n)d 小时", hours) % {"n": hours}, LATE
    if local_date(due_at) == local_date(now):
        return _("今天 %(time)s 到期") % {"time": _clock(due_at)}, TODAY
    return _("%(day)s %(time)s 到期") % {"day": _day(due_at), "time": _clock(due_at)}, LATER


def at_note(at: datetime, *, now: datetime | None = None) -> str:
    """When something happened, in Beijing time: "今天 09:12" or "12月5日 16:40"."""
    now = now or timezone.now()
    if local_date(at) == local_date(now):
        return _("今天 %(time)s") % {"time": _clock(at)}
    return _("%(day)s %(time)s") % {"day": _day(at), "time": _clock(at)}


@dataclass(frozen=True)
class HomePanel:
    code: str  # "<app>.<name>", unique
    order: int  # smaller first
    title: str | Promise
    action: str  # the permission action a user must hold (somewhere) to see the panel
    content: Callable[[Any], PanelContent | None]


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    if panel.code in _panels and _panels[panel.code] != panel:
        raise ValueError(f"home panel {panel.code!r} is registered twice")
    _panels[panel.code] = panel


def home_panels() -> list[HomePanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.code))


def home_panels_for(user: Any) -> list[tuple[HomePanel, PanelContent]]:
    """The panels ``user`` may see, with their content, in order; hidden ones left out."""
    if not getattr(user, "is_authenticated", False):
        return []
    shown = []
    for panel in home_panels():
        if not can(user, panel.action):
            continue
        content = panel.content(user)
        if content is not None:
            shown.append((panel, content))
    return shown

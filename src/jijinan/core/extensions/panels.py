"""Home-page panels: each app registers what its users should see first ("what do I do now").

A panel belongs to the app that owns its records: cases shows the queue, referrals the office's
tasks, and later capabilities (consultation, supervision, enrollment …) add theirs the same way,
without touching the home page. A panel is shown to a user who holds its action somewhere; its
``content`` reads through the app's own selectors with the user's scope and may answer ``None``
to stay hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from jijinan.core.permissions import can


@dataclass(frozen=True)
class PanelContent:
    count: int  # how many things wait for the user
    summary: str | Promise  # one line, e.g. "3 件待办，1 件今天到期"
    url: str  # where the user acts on them
    link_text: str | Promise
    empty_text: str | Promise = ""  # shown when count is 0: what to do instead
    urgent: bool = False  # something is overdue or due today


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

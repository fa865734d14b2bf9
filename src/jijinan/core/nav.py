"""Main navigation: apps register their entries into named groups; the shell shows those the user may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from jijinan.core.permissions import can

# The groups of the menu; an app registers its entries into one of them (or adds a group of its
# own with ``register_nav_group``). At most seven groups: a tired clerk scans one line.
WORKBENCH, CASES, SUBJECTS, COORDINATION, OVERSIGHT, POLICY_DATA, SYSTEM = (
    "workbench", "cases", "subjects", "coordination", "oversight", "policy_data", "system")
MAX_GROUPS = 7


@dataclass(frozen=True)
class NavGroup:
    code: str
    order: int
    label: str | Promise


@dataclass(frozen=True)
class NavItem:
    order: int
    label: str | Promise
    url_name: str
    action: str  # empty: any signed-in user
    app_name: str
    group: str = SYSTEM


_groups: dict[str, NavGroup] = {}
_items: dict[str, NavItem] = {}


def register_nav_group(group: NavGroup) -> None:
    existing = _groups.get(group.code)
    if existing is not None and existing != group:
        raise ValueError(f"navigation group {group.code!r} is registered twice")
    _groups[group.code] = group


def register_nav(item: NavItem) -> None:
    _items[item.url_name] = item


def nav_groups() -> list[NavGroup]:
    return sorted(_groups.values(), key=lambda g: (g.order, g.code))


def _current(url: str, path: str) -> bool:
    # The home page's URL is a prefix of every path: it is current only on itself.
    return path == url if url == "/" else path.startswith(url)


def nav_for(user: Any, path: str = "") -> list[dict[str, Any]]:
    """The groups the user may open, in order, each with its entries: ``label``, ``items``
    (label, url, current), ``current`` (an entry is the page shown) and ``single`` (one entry)."""
    if not getattr(user, "is_authenticated", False):
        return []
    by_group: dict[str, list[dict[str, Any]]] = {}
    for i in sorted(_items.values(), key=lambda i: (i.order, i.url_name)):
        if i.action and not can(user, i.action):
            continue
        url = reverse(i.url_name)
        by_group.setdefault(i.group if i.group in _groups else SYSTEM, []).append(
            {"label": i.label, "url": url, "current": _current(url, path)})
    groups = []
    for group in nav_groups():
        items = by_group.get(group.code)
        if items:
            groups.append({"code": group.code, "label": group.label, "items": items,
                           "current": any(i["current"] for i in items), "single": len(items) == 1})
    return groups

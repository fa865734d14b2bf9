"""Main navigation: apps register their entries; the shell shows those the user may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from jijinan.core.permissions import can


@dataclass(frozen=True)
class NavItem:
    order: int
    label: str | Promise
    url_name: str
    action: str
    app_name: str


_items: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> None:
    _items[item.url_name] = item


def nav_for(user: Any, path: str = "") -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for i in sorted(_items.values(), key=lambda i: i.order):
        if can(user, i.action):
            url = reverse(i.url_name)
            items.append({"label": i.label, "url": url, "current": path.startswith(url)})
    return items

"""Every endpoint of the project: Django URL patterns and each method of each API operation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from jijinan.core.permissions import action_of


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "api/v1/regions/<code>" or "accounts/staff/<int:pk>/"
    method: str  # "GET", "POST" … for API operations; "*" for a page view
    action: str | None

    @property
    def key(self) -> str:
        return f"{self.method} /{self.route}"


def _walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _ninja_operations(callback: Any) -> list[Any] | None:
    """A django-ninja path view closes over its PathView, which lists the operations."""
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            return list(operations)
    return None


def all_endpoints() -> list[Endpoint]:
    found: dict[str, Endpoint] = {}
    routes_seen: set[str] = set()
    for route, callback in _walk(get_resolver().url_patterns, ""):
        if route in routes_seen:
            continue  # shadowed: Django resolves the first pattern that matches
        routes_seen.add(route)
        operations = _ninja_operations(callback)
        if operations is not None:  # a django-ninja path: one entry per method
            for op in operations:
                for method in op.methods:
                    endpoint = Endpoint(route, method, action_of(op.view_func))
                    found.setdefault(endpoint.key, endpoint)
        else:
            endpoint = Endpoint(route, "*", action_of(callback))
            found.setdefault(endpoint.key, endpoint)
    return sorted(found.values(), key=lambda e: e.key)

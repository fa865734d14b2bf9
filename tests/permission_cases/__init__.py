"""The case type of the generated permission tests, and the per-app case modules.

Each app whose endpoints came after the foundations keeps its cases in a module of this package
(``tests/permission_cases/<app>.py``) defining ``CASES: dict[str, Case]`` and, if its cases need
records of their own, ``extend_world(world)`` that adds them to ``world.extra``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.world import World

Data = Callable[[World, bool], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """How to call one endpoint: its URL (for a record in or out of scope), method and body."""

    method: str
    url: Callable[[World, bool], str]
    data: Data | None = None
    api: bool = False
    multipart: bool = False  # an upload (API or page) instead of JSON
    scoped_record: bool = False  # the URL names one record whose region decides the scope
    scoped_body: bool = False  # the body names the region of a record to create
    # A page whose form only offers in-scope choices refuses an out-of-scope one as invalid (400).
    body_refusal: int = 403
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200, 201, 204, 302}))


def _fixed(url: str) -> Callable[[World, bool], str]:
    return lambda w, s: url




def _fixed(url: str) -> Callable[[World, bool], str]:
    return lambda w, s: url


def fixed(url: str) -> Callable[[World, bool], str]:
    """A URL that does not depend on the world."""
    return _fixed(url)


def case_modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]


def app_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for module in case_modules():
        for key, case in module.CASES.items():
            if key in cases:
                raise ValueError(f"two permission cases for {key}")
            cases[key] = case
    return cases

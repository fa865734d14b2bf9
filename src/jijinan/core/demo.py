"""The demo-data registry: each app adds its own step; `jijinan demo` runs them in order.

Every step is repeatable (a second run changes nothing) and takes ``scale``: 0 builds the small
demo a newcomer clicks through, a larger number builds a synthetic province for benchmarks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from io import TextIOBase
from typing import TextIO

from django.db import transaction


@dataclass
class DemoContext:
    scale: int = 0
    stdout: TextIO | TextIOBase = field(default_factory=lambda: sys.stdout)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def login(self, role: str, username: str, password: str) -> None:
        self.logins.append((role, username, password))

    def created(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


DemoStep = Callable[[DemoContext], None]


@dataclass(frozen=True)
class _Registered:
    order: int
    name: str
    func: DemoStep


_steps: dict[str, _Registered] = {}


def demo_step(name: str, *, order: int) -> Callable[[DemoStep], DemoStep]:
    """Register ``func(ctx)`` as a demo step; lower ``order`` runs first (regions before staff)."""

    def register(func: DemoStep) -> DemoStep:
        _steps[name] = _Registered(order=order, name=name, func=func)
        return func

    return register


def demo_steps() -> list[str]:
    return [s.name for s in sorted(_steps.values(), key=lambda s: (s.order, s.name))]


def demo_run(*, scale: int = 0, stdout: TextIO | TextIOBase | None = None,
             progress: Callable[[str], None] | None = None) -> DemoContext:
    """Run every registered step, each in its own transaction."""
    ctx = DemoContext(scale=scale, stdout=stdout or sys.stdout)
    for step in sorted(_steps.values(), key=lambda s: (s.order, s.name)):
        if progress:
            progress(step.name)
        with transaction.atomic():
            step.func(ctx)
    return ctx

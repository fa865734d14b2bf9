"""What a benchmark module declares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    name: str
    func: Callable[[], object]
    baseline: str | None = None
    setup: Callable[[], object] | None = None
    repeat: int = 50
    warmup: int = 5
    unit: str = "call"

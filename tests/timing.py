"""A pytest plugin that prints, at the end of a run, its wall time and the ten slowest test files
or groups, so that growth of the suite shows where it happens.

The generated permission tests are grouped by the app whose endpoints they call (the first
segment of the route), since one file holds them all. Durations are the sum of setup, call and
teardown of each test as the workers report them: with several workers, the groups add up to
more than the wall time.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import Any

import pytest

_SLOWEST = 10
_ROUTE = re.compile(r"\[(?:[A-Z*]+ )?/(?:api/v1/)?([a-z0-9_-]*)")


def group_of(nodeid: str) -> str:
    """``tests/test_x.py`` for most tests; ``tests/test_permission_matrix.py::<test> (<app>)`` for
    the generated ones, by the first segment of the endpoint's route."""
    path, _, rest = nodeid.partition("::")
    if not path.endswith("test_permission_matrix.py"):
        return path
    function = rest.split("[", 1)[0]
    match = _ROUTE.search(rest)
    return f"{path}::{function} ({match.group(1) or 'home'})" if match else f"{path}::{function}"


class SuiteClock:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def pytest_runtest_logreport(self, report: Any) -> None:
        group = group_of(report.nodeid)
        self.seconds[group] += report.duration
        if report.when == "call":
            self.counts[group] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.seconds:
            return
        wall = time.monotonic() - self.started
        write = terminalreporter.write_line
        terminalreporter.section("time")
        write(f"wall time {wall:,.1f} s; test time (all workers) {sum(self.seconds.values()):,.1f} s")
        write(f"the {_SLOWEST} slowest files or groups:")
        slowest = sorted(self.seconds.items(), key=lambda kv: kv[1], reverse=True)[:_SLOWEST]
        for group, seconds in slowest:
            write(f"  {seconds:8.1f} s  {self.counts[group]:6d} tests  {group}")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # only the controller (or a run without workers) reports
        config.pluginmanager.register(SuiteClock(), "jijinan-suite-clock")

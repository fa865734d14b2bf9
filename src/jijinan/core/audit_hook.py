"""Lets core services write audit events although the audit app sits above core.

The audit app installs its ``audit_record`` here at start-up; core services call ``record_audit``
with the same keyword arguments, inside their business transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_recorder: Callable[..., Any] | None = None
_many_recorder: Callable[[list[dict[str, Any]]], Any] | None = None


def set_audit_recorder(recorder: Callable[..., Any],
                       many: Callable[[list[dict[str, Any]]], Any] | None = None) -> None:
    """``recorder(**event)`` writes one event; ``many(events)``, when given, a batch at once."""
    global _recorder, _many_recorder
    _recorder = recorder
    _many_recorder = many


def record_audit(**kwargs: Any) -> Any:
    if _recorder is None:
        raise RuntimeError("no audit recorder installed (the audit app installs it)")
    return _recorder(**kwargs)


def record_audit_many(events: list[dict[str, Any]]) -> None:
    """Write a batch of events (each the keyword arguments of ``record_audit``)."""
    if _many_recorder is not None:
        _many_recorder(events)
        return
    for event in events:
        record_audit(**event)


_access_recorder: Callable[..., Any] | None = None


def set_access_recorder(recorder: Callable[..., Any]) -> None:
    global _access_recorder
    _access_recorder = recorder


def record_access(**kwargs: Any) -> Any:
    """Write an access-log row (the audit app's ``access_log_record``) from a core service."""
    if _access_recorder is None:
        raise RuntimeError("no access-log recorder installed (the audit app installs it)")
    return _access_recorder(**kwargs)

"""The kinds of deadline: later apps register theirs at ``AppConfig.ready()`` with
``deadline_kind_register(DeadlineKind(...))``; the engine refers to their subjects only by type and id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from jijinan.core.calendar.workdays import DeadlineUnit


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of deadline a later app uses (e.g. ``cases.review``: 审核期限, working days).

    ``subject_types`` limits which subjects may carry it (empty: any). ``subject_url`` turns a
    subject id into the link shown beside the deadline (pages of higher apps).
    """

    code: str
    label: str | Promise
    default_unit: str
    subject_types: frozenset[str] = frozenset()
    subject_url: Callable[[str], str] | None = None
    description: str | Promise = ""


_kinds: dict[str, DeadlineKind] = {}


def deadline_kind_register(kind: DeadlineKind) -> DeadlineKind:
    """Register a kind; registering the same code twice with a different definition is a bug."""
    DeadlineUnit(kind.default_unit)  # a wrong unit fails at start-up, not on the first deadline
    existing = _kinds.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"deadline kind {kind.code!r} is registered twice")
    _kinds[kind.code] = kind
    return kind


def deadline_kinds() -> dict[str, DeadlineKind]:
    return dict(_kinds)


def deadline_kind(code: str) -> DeadlineKind | None:
    return _kinds.get(code)


def kind_label(code: str) -> str:
    """The kind's name, or its code when no app registered it (an app was removed)."""
    found = _kinds.get(code)
    return str(found.label) if found is not None else code


def subject_url(kind: str, subject_id: str) -> str:
    found = _kinds.get(kind)
    if found is None or found.subject_url is None:
        return ""
    try:
        return found.subject_url(subject_id)
    except Exception:  # a link must never break a list of deadlines
        return ""

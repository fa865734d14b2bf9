"""Writes every part of the cases app shares, and the apps above it use: an entry of a case's own
timeline (a case event). Each is written in the caller's transaction, beside its audit event.

Every change to a case records a case event in its transaction, so the case's entry of the keyword
search is refreshed here too: whatever changed the case (intake, review, transfer, identification
of the subject, a work-order number), the search finds it as it now is. A case indexed earlier in
the same transaction with the same values is not indexed again (see ``jijinan.cases.search``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from jijinan.cases.models import Case, CaseEvent
from jijinan.cases.search import case_search_refresh
from jijinan.core.texts import Stored, render_source


def case_event_build(*, case: Case, kind: str, actor: Any, summary: str = "", text: Stored | None = None,
                     data: dict[str, Any] | None = None, at: datetime | None = None) -> CaseEvent:
    """An entry of the case's timeline, not written yet (see ``case_events_record``). With ``text``
    (``core.texts.message``) the entry is shown in the reader's language; ``summary`` is then its
    Chinese rendering, kept for search and for readers that do not translate."""
    data = dict(data or {})
    if text is not None:
        data["text"] = text
        summary = render_source(text)
    return CaseEvent(case=case, kind=kind, summary=summary[:300], data=data,
                     actor=actor if getattr(actor, "pk", None) else None, at=at or timezone.now())


def case_event_record(*, case: Case, kind: str, actor: Any, summary: str = "", text: Stored | None = None,
                      data: dict[str, Any] | None = None, at: datetime | None = None) -> CaseEvent:
    """Write one entry of the case's timeline."""
    event = case_event_build(case=case, kind=kind, summary=summary, text=text, actor=actor, data=data, at=at)
    event.save(force_insert=True)
    case_search_refresh(case)
    return event


def case_events_record(events: list[CaseEvent]) -> list[CaseEvent]:
    """Write entries made by ``case_event_build`` at once, in their order."""
    written = CaseEvent.objects.bulk_create(events)
    for case in {id(e.case): e.case for e in written}.values():
        case_search_refresh(case)
    return written

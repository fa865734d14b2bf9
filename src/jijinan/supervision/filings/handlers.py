"""The outbox handler that files a township's approval with its county (备案)."""

from __future__ import annotations

from typing import Any

from jijinan.core.jobs.outbox import outbox_handler
from jijinan.supervision.filings.services import APPROVALS, filing_file

STAGE_CHANGED = "cases.case.stage_changed"


@outbox_handler("supervision.filings", types=[STAGE_CHANGED])
def file_township_approval(message: Any) -> None:
    payload = message.payload or {}
    if payload.get("transition") in APPROVALS and str(payload.get("id", "")).isdigit():
        filing_file(case_id=int(payload["id"]), transition=str(payload["transition"]))

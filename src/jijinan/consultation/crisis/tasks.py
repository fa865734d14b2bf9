"""The worker's side of the crisis track: the intervention opened on the crisis alert, and the sweep
that escalates a crisis left unresolved past its limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jijinan.cases.models import Case
from jijinan.consultation.crisis.services import crisis_escalate_unresolved, intervention_ensure
from jijinan.core.jobs.models import OutboxMessage
from jijinan.core.jobs.outbox import outbox_handler
from jijinan.core.jobs.queue import periodic

CRISIS_ALERT = "case.crisis_alert"
SWEEP_JOB = "consultation.crisis_sweep"


@outbox_handler("consultation.crisis_open", types=[CRISIS_ALERT])
def open_intervention(event: OutboxMessage) -> None:
    """Open the intervention of the case the alert is about (a second delivery finds it open)."""
    case_id = event.payload.get("id") or event.subject_id
    case = Case.objects.select_related("handling_region").filter(pk=int(case_id), crisis=True).first()
    if case is None:
        return
    intervention_ensure(actor=None, case=case)


@periodic(SWEEP_JOB, every=timedelta(minutes=5))
def crisis_sweep_job(payload: dict[str, Any]) -> None:
    crisis_escalate_unresolved()

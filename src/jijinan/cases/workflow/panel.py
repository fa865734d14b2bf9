"""The case page's 办理 panel: the case's state in the stage line, its records (reviews, aid,
notices, transfers, follow-ups) and one form for each move the user may make now."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.urls import reverse

from jijinan.cases import selectors
from jijinan.cases.aid import selectors as aid_selectors
from jijinan.cases.choices import IDENTIFY_STAGES, REFUSED_STAGES, Stage, SubjectKind
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_VIEW, PAYMENT_MANAGE, SUBJECT_IDENTIFY
from jijinan.cases.printing.permissions import CASE_PRINT
from jijinan.cases.workflow import selectors as workflow_selectors
from jijinan.cases.workflow.forms import action_form, fen_to_yuan
from jijinan.cases.workflow.selectors import fast_track_total
from jijinan.cases.workflow.transitions import FOLLOW_UP_RECORD, OBJECTION_MANAGE, TRANSITIONS
from jijinan.core.permissions import Target, can


def _receiving(user: Any, case: Case) -> bool:
    """The user is on the receiving side of a pending hand-over (they act, they are not read-only)."""
    return case.transfer_to is not None and can(user, CASE_VIEW, Target(region_prefix=case.transfer_to.prefix))


def workflow_context(user: Any, case: Case, bound: dict[str, django_forms.Form] | None = None, *,
                     kinds: set[str] | None = None) -> dict[str, Any]:
    """What the case page's 办理 panel shows: the state, the records, one form per move offered.

    ``kinds``: the kinds of the case's events (from its timeline, already read), so that the
    records no move has written yet cost no query; None reads them all."""
    bound = bound or {}

    def moved(*names: str) -> bool:
        return kinds is None or any(f"stage.{n}" in kinds for n in names)

    reviewed = moved("review", "makeup_review")
    transfers = workflow_selectors.case_transfers(case=case) if moved("transfer") else []
    read_only = selectors.case_read_only_for_user(user=user, case=case) and not _receiving(user, case)
    actions = []
    for option in [] if read_only else workflow_selectors.case_actions_for_user(user=user, case=case):
        name = option.transition.name
        initial = {"requested_amount": fen_to_yuan(fast_track_total(case))} if name == "makeup_review" else None
        form = bound.get(name) or (action_form(name, version=case.version, initial=initial, case=case)
                                   if option.allowed else None)
        actions.append({"option": option, "name": name, "form": form,
                        "url": reverse(f"cases:act_{name}", args=[case.pk])})
    # A refused move is said at the top of the panel too: its form may be far down, or gone (the
    # case moved on meanwhile), and a hidden field's error (the version) shows nowhere else.
    offered = {a["name"] for a in actions if a["form"] is not None}
    refusals = [{"label": TRANSITIONS[name].label,
                 "errors": [str(e) for e in (form.errors.get("__all__", []) if name in offered
                                             else [e for es in form.errors.values() for e in es])]}
                for name, form in bound.items() if form.errors]
    noticed = reviewed or case.public_notice_required or (kinds is not None and "objection" in kinds)
    notices = workflow_selectors.case_notices(case=case) if noticed else []
    region = Target(region_prefix=case.handling_region.prefix)
    return {
        "wf_read_only": read_only,
        "wf_transferred_to": max(transfers, key=lambda t: (t.requested_at, t.pk)).to_region
        if read_only and transfers else None,
        "wf_actions": actions,
        "wf_refusals": [r for r in refusals if r["errors"]],
        "wf_reviews": workflow_selectors.case_reviews(case=case) if reviewed else [],
        "wf_aid": aid_selectors.case_aid(case=case) if moved("fast_track", "assist") else [],
        "wf_notices": notices,
        "wf_transfers": transfers,
        "wf_may_object": not read_only and can(user, OBJECTION_MANAGE, region),
        "wf_may_pay": not read_only and can(user, PAYMENT_MANAGE, region),
        "wf_follow_ups": list(case.follow_ups.select_related("recorded_by")) if case.stage in (
            Stage.FOLLOW_UP, Stage.CLOSED, Stage.ACCEPTED) and moved("follow_up") else [],
        "wf_may_follow_up": not read_only and case.stage == Stage.FOLLOW_UP and can(user, FOLLOW_UP_RECORD, region),
        "wf_refused": case.stage in REFUSED_STAGES,
        "wf_may_print": not read_only and can(user, CASE_PRINT, region),
        "wf_may_identify": not read_only and case.subject_kind == SubjectKind.UNIDENTIFIED
        and case.stage in IDENTIFY_STAGES and can(user, SUBJECT_IDENTIFY, region),
    }

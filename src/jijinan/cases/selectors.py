"""Reads of the cases app, always with the user's scope: one case, its page, its timeline, its
attachments, the vocabularies. Outside the user's scope and missing answer the same 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jijinan.audit.labels import action_label
from jijinan.audit.models import AuditEvent
from jijinan.audit.services import access_log_record
from jijinan.cases.models import (
    AidPayment,
    Case,
    CaseAid,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseReview,
    CaseTransfer,
    NeedType,
    Objection,
    OnCallContact,
    PublicNotice,
    RelativeFiling,
)
from jijinan.cases.permissions import CASE_PATHS, CASE_VIEW, CASE_VIEW_OWN, ON_CALL_MANAGE, ON_CALL_PATHS
from jijinan.cases.workflow import RELATIVE_FILING_VIEW, TRANSITIONS, Transition, transitions_from
from jijinan.core.errors import NotFound
from jijinan.core.models import Deadline
from jijinan.core.permissions import ScopePaths, Target, can, get_for_user, restrict

TRANSFER_PATHS = ScopePaths(region="from_region")
INCOMING_PATHS = ScopePaths(region="transfer_to")
RELATIVE_PATHS = ScopePaths(region="region")


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("handling_region", "event_region", "person", "person__residence_region",
                                       "household", "created_by", "owner")


def cases_visible_to(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases in the user's area, cases their area handed over to another (read-only: every action
    checks the handling region), and an informant's own reports."""
    queryset = queryset if queryset is not None else _cases()
    by_region = restrict(queryset, user, CASE_VIEW, CASE_PATHS)
    own = restrict(queryset, user, CASE_VIEW_OWN, CASE_PATHS)
    sent = restrict(CaseTransfer.objects.all(), user, CASE_VIEW, TRANSFER_PATHS)
    incoming = restrict(queryset.filter(transfer_to__isnull=False), user, CASE_VIEW, INCOMING_PATHS)
    return by_region | own | incoming | queryset.filter(pk__in=sent.values("case_id"))


def case_get_for_user(*, user: Any, pk: int, action: str = CASE_VIEW) -> Case:
    """One case: 404 if the user cannot see it, 403 if they can but may not do ``action``."""
    if action == CASE_VIEW:
        found = cases_visible_to(user).filter(pk=pk).first()
        if found is None:
            raise NotFound(_("未找到该记录"), code="not_found")
        return found
    return get_for_user(_cases(), user, action, CASE_PATHS, pk=pk)


def category_list() -> list[CaseCategory]:
    return list(CaseCategory.objects.filter(active=True))


def need_type_list() -> list[NeedType]:
    return list(NeedType.objects.filter(active=True))


def vocabulary_names() -> tuple[dict[str, str], dict[str, str]]:
    return (dict(CaseCategory.objects.values_list("code", "name")),
            dict(NeedType.objects.values_list("code", "name")))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    kind: str  # the case event kind, or "audit:<action>"
    summary: str
    source: str  # "case" or "audit"


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """The case's own events and the audit events about it, in time order."""
    entries = [TimelineEntry(e.at, (e.actor.full_name or e.actor.username) if e.actor else _("系统"), e.kind,
                             e.summary, "case")
               for e in CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")]
    for event in AuditEvent.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).order_by(
            "occurred_at", "id"):
        label = str(action_label(event.action))
        if event.outcome != "done":
            label = _("%(action)s（被拒绝：%(note)s）") % {"action": label, "note": event.note}
        entries.append(TimelineEntry(event.occurred_at, event.actor_label or _("系统"), f"audit:{event.action}", label,
                                     "audit"))
    return sorted(entries, key=lambda e: (e.at, 0 if e.source == "case" else 1))


def case_deadlines(*, case: Case) -> list[Deadline]:
    return list(Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
                .select_related("owner_user").order_by("due_at", "id"))


def case_attachments(*, case: Case) -> list[CaseAttachment]:
    return list(CaseAttachment.objects.filter(case=case).select_related("uploaded_by"))


def attachment_get_for_user(*, user: Any, case_pk: int, pk: int) -> CaseAttachment:
    case = case_get_for_user(user=user, pk=case_pk)
    attachment = CaseAttachment.objects.filter(case=case, pk=pk).first()
    if attachment is None:
        raise NotFound(_("未找到该附件"), code="not_found")
    return attachment


def case_detail_for_user(*, user: Any, pk: int, log: bool = True) -> Case:
    """The case page's case, with one access-log row for the protected fields it shows."""
    case = case_get_for_user(user=user, pk=pk)
    if log:
        access_log_record(actor=user, kind="view", subject=case, subject_label=case.number,
                          region_code=case.handling_region.code, fields=["reporter_phone", "description"])
    return case


def on_call_list_for_user(*, user: Any) -> list[OnCallContact]:
    """The duty rota of the user's counties, current and future periods first."""
    from django.utils import timezone

    rows = restrict(OnCallContact.objects.select_related("county", "user"), user, ON_CALL_MANAGE, ON_CALL_PATHS)
    return list(rows.filter(ends_at__gt=timezone.now()).order_by("county__code", "starts_at")[:200])


def own_reports_for_user(*, user: Any, limit: int = 100) -> list[Case]:
    """An informant's own reports, newest first (number, stage and subject only are shown)."""
    rows = restrict(Case.objects.select_related("handling_region"), user, CASE_VIEW_OWN, CASE_PATHS)
    return list(rows.order_by("-created_at", "-id")[:limit])


# --- the staged workflow -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionOption:
    """A move the case page offers: allowed for this user now, or shown greyed with why not."""

    transition: Transition
    allowed: bool
    why: str = ""


def case_actions_for_user(*, user: Any, case: Case) -> list[ActionOption]:
    """The moves of the table from the case's stage that the user's role allows on it, each with
    the case-dependent blocker (if any) the service would refuse with."""
    from jijinan.cases.workflow_services import approval_blockers, close_blockers

    out = []
    for t in transitions_from(case.stage):
        region = case.transfer_to if t.receiving_side and case.transfer_to is not None else case.handling_region
        if not can(user, t.action, Target(region_prefix=region.prefix)):
            continue
        why = ""
        if t.name in ("makeup_review", "makeup_approve") and not case.paperwork_owed:
            continue
        if t.name == "approve" or t.name == "makeup_approve":
            why = "；".join(text for _code, text in approval_blockers(case)) if case.decision_id else _("请先审核")
        elif t.name == "close":
            why = "；".join(close_blockers(case))
        out.append(ActionOption(t, not why, why))
    return out


def case_reviews(*, case: Case) -> list[CaseReview]:
    return list(CaseReview.objects.filter(case=case).select_related("reviewer", "decision", "verification_report"))


def case_aid(*, case: Case) -> list[CaseAid]:
    """The aid records of a case with their payments (two queries)."""
    return list(CaseAid.objects.filter(case=case).select_related("given_by").prefetch_related("payments"))


def case_notices(*, case: Case) -> list[PublicNotice]:
    return list(PublicNotice.objects.filter(case=case).prefetch_related("objections"))


def case_transfers(*, case: Case) -> list[CaseTransfer]:
    return list(CaseTransfer.objects.filter(case=case).select_related("from_region", "to_region", "requested_by",
                                                                      "decided_by"))


def case_read_only_for_user(*, user: Any, case: Case) -> bool:
    """True when the user sees the case only because their area handed it over."""
    if can(user, CASE_VIEW, Target(region_prefix=case.handling_region.prefix)):
        return False
    if case.transfer_to is not None and can(user, CASE_VIEW, Target(region_prefix=case.transfer_to.prefix)):
        return False  # the receiving office of a pending transfer acts on it
    return CaseTransfer.objects.filter(case=case).exists()


def objection_get_for_user(*, user: Any, case_pk: int, pk: int) -> Objection:
    case = case_get_for_user(user=user, pk=case_pk)
    found = Objection.objects.filter(case=case, pk=pk).select_related("case", "case__handling_region").first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found


def payment_get_for_user(*, user: Any, case_pk: int, pk: int) -> AidPayment:
    """One payment of a case the user can see (404 otherwise)."""
    case = case_get_for_user(user=user, pk=case_pk)
    found = AidPayment.objects.filter(aid__case=case, pk=pk).select_related(
        "aid", "aid__case", "aid__case__handling_region").first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found


def relative_filing_list_for_user(*, user: Any, q: str = "", active: bool | None = True) -> QuerySet[RelativeFiling]:
    rows = restrict(RelativeFiling.objects.select_related("person", "region", "filed_by"), user,
                    RELATIVE_FILING_VIEW, RELATIVE_PATHS)
    if active is not None:
        rows = rows.filter(active=active)
    if q.strip():
        rows = rows.filter(relative_name__icontains=q.strip()) | rows.filter(person__name__icontains=q.strip())
    return rows.order_by("-filed_at", "-id")


def relative_filing_get_for_user(*, user: Any, pk: int) -> RelativeFiling:
    return get_for_user(RelativeFiling.objects.select_related("person", "region"), user, RELATIVE_FILING_VIEW,
                        RELATIVE_PATHS, pk=pk)


def transition_named(name: str) -> Transition:
    found = TRANSITIONS.get(name)
    if found is None:
        raise NotFound(_("未知的办理动作"), code="not_found")
    return found

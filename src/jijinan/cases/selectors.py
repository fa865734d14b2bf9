"""Reads of one case, always with the user's scope: whether they see it, its page, its timeline, its
attachments, the vocabularies, the crisis duty rota, an informant's own reports, a sending area's
record of a case it handed over; and the handling township a region code names. Outside the user's
scope and missing answer the same 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.labels import action_label
from jijinan.audit.models import AuditEvent
from jijinan.audit.services import access_log_record
from jijinan.cases.choices import TransferStatus
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseTransfer,
    NeedType,
    OnCallContact,
)
from jijinan.cases.permissions import CASE_PATHS, CASE_VIEW, CASE_VIEW_OWN, ON_CALL_MANAGE, ON_CALL_PATHS
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.models import Deadline
from jijinan.core.permissions import ScopePaths, Target, can, get_for_user, restrict
from jijinan.core.vocabulary import vocabulary_labels
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.selectors import region_get_active

TRANSFER_PATHS = ScopePaths(region="from_region")
INCOMING_PATHS = ScopePaths(region="transfer_to")


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("handling_region", "event_region", "person", "person__residence_region",
                                       "household", "created_by", "owner")


def cases_visible_to(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases in the user's area, cases handed over to their area and waiting for its decision (only
    those: not the sending area's other cases), and an informant's own reports. A case the user's
    area handed over is no longer theirs once accepted: they keep their record of the hand-over
    (``transfer_record_for_user``), not the live case."""
    queryset = queryset if queryset is not None else _cases()
    by_region = restrict(queryset, user, CASE_VIEW, CASE_PATHS)
    own = restrict(queryset, user, CASE_VIEW_OWN, CASE_PATHS)
    incoming = restrict(queryset.filter(transfer_to__isnull=False), user, CASE_VIEW, INCOMING_PATHS)
    return by_region | own | incoming


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
    return vocabulary_labels(CaseCategory), vocabulary_labels(NeedType)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    kind: str  # the case event kind, or "audit:<action>"
    summary: str
    source: str  # "case" or "audit"


# The audit actions a case event already tells, by the event's kind (a move of the stage line,
# ``stage.<name>``, is audited as ``cases.case.<name>``): the timeline shows the case event, which
# says more (amounts, the stages, the reason), and leaves its audit twin out.
_TOLD_BY_CASE_EVENT: dict[str, frozenset[str]] = {
    "intake": frozenset({"cases.case.intake"}),
    "follow_up_record": frozenset({"cases.follow_up.record"}),
    "objection": frozenset({"cases.objection.add"}),
    "objection_resolved": frozenset({"cases.objection.resolve"}),
    "payment": frozenset({"cases.payment.update", "cases.payment.reissue"}),
}
# A service writes the case event and its audit event in one transaction: well within this.
_SAME_MOVE = timedelta(seconds=60)


def _audited_as(kind: str) -> frozenset[str]:
    if kind.startswith("stage."):
        return frozenset({f"cases.case.{kind.removeprefix('stage.')}"})
    return _TOLD_BY_CASE_EVENT.get(kind, frozenset())


def case_timeline(*, case: Case, each_move_once: bool = False) -> list[TimelineEntry]:
    """The case's own events and the audit events about it, in time order.

    ``each_move_once`` (the case page): an audit event that records the same move as a case event
    (same action, same actor, written together) is left out, as the case event says more; refusals
    and audited acts without a case event stay. The API gives both, each with its source."""
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    entries = [TimelineEntry(e.at, (e.actor.full_name or e.actor.username) if e.actor else _("系统"), e.kind,
                             e.summary_text, "case") for e in events]
    untwinned = [(e, _audited_as(e.kind)) for e in events if _audited_as(e.kind)]
    for event in AuditEvent.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).order_by(
            "occurred_at", "id"):
        if each_move_once and event.outcome == "done":
            twin = next((i for i, (e, actions) in enumerate(untwinned)
                         if event.action in actions and e.actor_id == event.actor_id
                         and abs(event.occurred_at - e.at) <= _SAME_MOVE), None)
            if twin is not None:
                untwinned.pop(twin)
                continue
        label = str(action_label(event.action))
        if event.outcome != "done":
            label = _("%(action)s（被拒绝：%(note)s）") % {"action": label, "note": event.note}
        entries.append(TimelineEntry(event.occurred_at, event.actor_label or _("系统"), f"audit:{event.action}", label,
                                     "audit"))
    return sorted(entries, key=lambda e: (e.at, 0 if e.source == "case" else 1))


def case_deadlines(*, case: Case) -> list[Deadline]:
    return list(Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
                .select_related("owner_user", "owner_organisation").order_by("due_at", "id"))


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


@dataclass(frozen=True)
class TransferRecord:
    """What a sending area keeps of a case it handed over: the hand-over and its own part of the
    timeline, up to the hand-over (nothing the receiving township did after it)."""

    case: Case
    transfer: CaseTransfer
    timeline: list[TimelineEntry]


def transfer_record_for_user(*, user: Any, case_pk: int, log: bool = True) -> TransferRecord:
    """The user's area's record of the last accepted hand-over of a case it no longer handles; 404
    when there is none (or the user sees the live case: then the case page is theirs)."""
    sent = restrict(CaseTransfer.objects.select_related("case", "from_region", "to_region", "requested_by",
                                                        "decided_by"),
                    user, CASE_VIEW, TRANSFER_PATHS)
    transfer = sent.filter(case_id=case_pk, status=TransferStatus.ACCEPTED).order_by("-requested_at", "-id").first()
    if transfer is None or cases_visible_to(user).filter(pk=case_pk).exists():
        raise NotFound(_("未找到该记录"), code="not_found")
    case = transfer.case
    timeline = [e for e in case_timeline(case=case) if e.at <= transfer.requested_at]
    if log:
        access_log_record(actor=user, kind="view", subject=case, subject_label=case.number,
                          region_code=transfer.from_region.code, fields=["transfer_record"])
    return TransferRecord(case=case, transfer=transfer, timeline=timeline)


def on_call_list_for_user(*, user: Any) -> list[OnCallContact]:
    """The duty rota of the user's counties, current and future periods first."""
    rows = restrict(OnCallContact.objects.select_related("county", "user"), user, ON_CALL_MANAGE, ON_CALL_PATHS)
    return list(rows.filter(ends_at__gt=timezone.now()).order_by("county__code", "starts_at")[:200])


def own_reports_for_user(*, user: Any, limit: int = 100) -> list[Case]:
    """An informant's own reports, newest first (number, stage and subject only are shown)."""
    rows = restrict(Case.objects.select_related("handling_region"), user, CASE_VIEW_OWN, CASE_PATHS)
    return list(rows.order_by("-created_at", "-id")[:limit])


def own_reports_count(*, user: Any) -> int:
    return restrict(Case.objects.all(), user, CASE_VIEW_OWN, CASE_PATHS).count()


def case_read_only_for_user(*, user: Any, case: Case) -> bool:
    """True when the user sees the case without acting for its area (an informant's own report of a
    case handed over)."""
    if can(user, CASE_VIEW, Target(region_prefix=case.handling_region.prefix)):
        return False
    if case.transfer_to is not None and can(user, CASE_VIEW, Target(region_prefix=case.transfer_to.prefix)):
        return False  # the receiving office of a pending transfer acts on it
    return CaseTransfer.objects.filter(case=case).exists()


# --- the handling township of a new or transferred case -----------------------------------------


def township_of(code: str, *, field_name: str = "handling_region_code") -> Region:
    """The handling township: a township, or a village whose township handles it."""
    region = region_get_active(code=(code or "").strip(), field=field_name)
    if region.level == RegionLevel.VILLAGE and region.parent_id is not None:
        region = Region.objects.get(pk=region.parent_id)
    if region.level != RegionLevel.TOWNSHIP:
        raise DomainError.for_field(field_name, _("办理地须为乡镇（街道）或其下的村（社区）"), code=E.REGION_LEVEL)
    return region

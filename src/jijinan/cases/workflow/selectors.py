"""Reads of the stage line: the moves the case page offers a user, and why a move is refused now
(approval and closing guards, including those other apps register); a case's reviews, notices,
transfers and objections; close-relative filings. Always with the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.cases.choices import ApproverLevel, ObjectionOutcome, Stage, SubjectKind
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.models import (
    Case,
    CaseReview,
    CaseTransfer,
    FollowUp,
    Objection,
    PublicNotice,
    RelativeFiling,
)
from jijinan.cases.selectors import case_get_for_user
from jijinan.cases.workflow.transitions import (
    APPROVE_COUNTY,
    RELATIVE_FILING_VIEW,
    REVIEW_CLOSE_RELATIVE,
    Transition,
    transitions_from,
)
from jijinan.core.errors import NotFound
from jijinan.core.permissions import ScopePaths, Target, can, get_for_user, restrict
from jijinan.verification.models import VerificationReport

RELATIVE_PATHS = ScopePaths(region="region")


# --- the guards of a move ------------------------------------------------------------------------


# Checks other apps add before a case may close (the referrals issue: no open task).
CloseGuard = Callable[[Case], "str | None"]

_close_guards: list[CloseGuard] = []


def register_close_guard(guard: CloseGuard) -> None:
    if guard not in _close_guards:
        _close_guards.append(guard)


# Warnings other apps add when a case closes: closing is allowed, with a reason (a need no
# department was asked to meet).
_close_warnings: list[CloseGuard] = []


def register_close_warning(check: CloseGuard) -> None:
    if check not in _close_warnings:
        _close_warnings.append(check)


def close_warnings(case: Case) -> list[str]:
    """What the person closing the case is warned of and must give a reason for (empty: nothing)."""
    return [text for check in _close_warnings if (text := check(case))]


def close_blockers(case: Case) -> list[str]:
    """Why the case may not close yet (empty: it may)."""
    blockers = []
    if case.paperwork_owed:
        blockers.append(_("先行救助的补办手续（审核、审批）尚未完成"))
    if case.stage == Stage.FOLLOW_UP:
        last = last_follow_up(case)
        if last is None:
            blockers.append(_("尚未登记回访结果"))
        elif not last.need_resolved:
            blockers.append(_("回访发现困难仍未解决：请重新办理"))
    for guard in _close_guards:
        reason = guard(case)
        if reason:
            blockers.append(reason)
    return blockers


def last_follow_up(case: Case) -> FollowUp | None:
    """The follow-up recorded in the case's current round, the latest first."""
    return case.follow_ups.filter(recorded_at__gte=round_start(case)).order_by("-recorded_at", "-id").first()


ROUND_STARTS = ("stage.reopen", "stage.reconsider")


def round_start(case: Case) -> datetime:
    """When the case's current round of decision and aid began: its last reopening, else intake."""
    reopened = case.events.filter(kind__in=ROUND_STARTS).order_by("-at").values_list("at", flat=True).first()
    return reopened or case.created_at


def current_notice(case: Case) -> PublicNotice | None:
    return PublicNotice.objects.filter(case=case, withdrawn_at__isnull=True).order_by("-starts_at", "-id").first()


def approval_blockers(case: Case, now: datetime | None = None) -> list[tuple[str, str]]:
    """Why the approving level may not approve now (code, sentence); empty: it may."""
    now = now or timezone.now()
    out: list[tuple[str, str]] = []
    if case.decision is None:
        out.append((E.INELIGIBLE, _("没有审核测算记录，请先审核")))
    elif not case.decision.eligible:
        out.append((E.INELIGIBLE, _("测算结果为不符合救助条件，不能批准；请不予救助或退回重新审核")))
    if case.needs_consultation:
        out.append((E.NEEDS_CONSULTATION,
                    _("金额超过单次救助上限或报告协商阈值，或有稳定风险：已报告协商（一事一议），待会商决定后审批")))
    elif case.approver_level == ApproverLevel.CONSULTATION and not int(
            (case.consultation_authority or {}).get("amount_fen") or 0):
        out.append((E.NEEDS_CONSULTATION, _("会商决定不给予临时救助：请作出不予救助决定并说明理由")))
    if case.public_notice_required:
        notice = current_notice(case)
        if notice is None:
            out.append((E.NOTICE_RUNNING, _("该事项须公示，但没有公示记录")))
        else:
            if now < notice.ends_at:
                out.append((E.NOTICE_RUNNING, _("公示期至 %(end)s 结束，结束后方可审批") % {
                    "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")}))
            objections = list(notice.objections.all())
            if any(o.resolved_at is None for o in objections):
                out.append((E.OBJECTION_OPEN, _("有未办结的公示异议")))
            if any(o.outcome == ObjectionOutcome.UPHELD for o in objections):
                out.append((E.OBJECTION_UPHELD, _("公示异议成立：请退回重新审核或不予救助")))
    return out


# --- what the case page offers and shows ---------------------------------------------------------


@dataclass(frozen=True)
class ActionOption:
    """A move the case page offers: allowed for this user now, or shown greyed with why not."""

    transition: Transition
    allowed: bool
    why: str = ""
    # Allowed, but the person is warned and asked for a reason (closing with a need never routed).
    warnings: list[str] = field(default_factory=list)


def case_actions_for_user(*, user: Any, case: Case) -> list[ActionOption]:
    """The moves of the table from the case's stage that the user's role allows on it, each with
    the case-dependent blocker (if any) the service would refuse with."""
    out = []
    for t in transitions_from(case.stage):
        region = case.transfer_to if t.receiving_side and case.transfer_to is not None else case.handling_region
        if not can(user, t.action, Target(region_prefix=region.prefix)):
            continue
        if t.name in ("makeup_review", "makeup_approve") and not case.paperwork_owed:
            continue
        why = "；".join(move_blockers(case, t.name) + _authority_blockers(user, case, t.name))
        out.append(ActionOption(t, not why, why, close_warnings(case) if t.name == "close" else []))
    return out


NEEDS_SUBJECT = frozenset({"review", "fast_track", "makeup_review"})


def _authority_blockers(user: Any, case: Case, name: str) -> list[str]:
    """Moves this user's role allows in general but not on this case (the county's authority)."""
    region = Target(region_prefix=case.handling_region.prefix)
    if name in ("approve", "makeup_approve") and case.approver_level == ApproverLevel.COUNTY and not can(
            user, APPROVE_COUNTY, region):
        return [_("救助金额超过乡镇审批限额，须由县级民政部门审批")]
    if name in ("review", "makeup_review") and not can(user, REVIEW_CLOSE_RELATIVE, region) and (
            case.close_relative or close_relative_filed(case)):
        return [_("申请人为工作人员或村（社区）干部的近亲属（已备案），须由县级民政部门审核")]
    return []


def subject_persons(case: Case) -> list[int]:
    """The case's person and the current members of its household."""
    ids = [case.person_id] if case.person_id else []
    if case.household is not None:
        ids += list(case.household.members.filter(left_on__isnull=True).values_list("person_id", flat=True))
    return sorted(set(ids))


def close_relative_filed(case: Case) -> bool:
    """Someone of the case is a filed close relative of staff or cadres (近亲属备案)."""
    persons = subject_persons(case)
    return bool(persons) and RelativeFiling.objects.filter(active=True, person_id__in=persons).exists()


def move_blockers(case: Case, name: str) -> list[str]:
    """Why the service would refuse move ``name`` on this case now, beyond role and stage."""
    if name in NEEDS_SUBJECT and case.subject_kind == SubjectKind.UNIDENTIFIED:
        return [_("对象身份不明：请先确认对象身份（关联或登记救助对象），再审核或先行救助")]
    if name == "approve":
        return [text for _code, text in approval_blockers(case)] if case.decision_id else [_("请先审核")]
    if name == "makeup_approve":
        if not case.reviews.filter(makeup=True, at__gte=last_fast_track_at(case)).exists():
            return [_("请先补办审核")]
        return [text for _code, text in approval_blockers(case)]
    if name == "close":
        return close_blockers(case)
    if name == "transfer" and case.objections.filter(resolved_at__isnull=True).exists():
        return [_("有未办结的公示异议，不能转出")]
    return []


def fast_track_total(case: Case) -> int:
    """What the current round paid first (a reopened case's earlier rounds were approved already)."""
    return int(case.aid.filter(fast_track=True, given_at__gte=round_start(case))
               .aggregate(total=Sum("amount_fen"))["total"] or 0)


def last_fast_track_at(case: Case) -> datetime:
    """When the current round last paid first (the make-up review must come after it)."""
    last = case.aid.filter(fast_track=True, given_at__gte=round_start(case)).order_by("-given_at").values_list(
        "given_at", flat=True).first()
    return last or case.created_at


def case_reviews(*, case: Case) -> list[CaseReview]:
    return list(CaseReview.objects.filter(case=case).select_related("reviewer", "decision", "verification_report"))


def case_notices(*, case: Case) -> list[PublicNotice]:
    return list(PublicNotice.objects.filter(case=case).prefetch_related("objections"))


def case_transfers(*, case: Case) -> list[CaseTransfer]:
    return list(CaseTransfer.objects.filter(case=case).select_related("from_region", "to_region", "requested_by",
                                                                      "decided_by"))


def objection_get_for_user(*, user: Any, case_pk: int, pk: int) -> Objection:
    case = case_get_for_user(user=user, pk=case_pk)
    found = Objection.objects.filter(case=case, pk=pk).select_related("case", "case__handling_region").first()
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


def case_verification_reports(*, case: Case) -> list[VerificationReport]:
    """The issued means-verification reports of the case's household, newest first (for the
    review's picker); none for a case without a household."""
    if not case.household_id:
        return []
    return list(VerificationReport.objects.filter(household_id=case.household_id).order_by("-issued_on", "-number"))

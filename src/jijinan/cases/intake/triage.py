"""Triage on intake: urgency, duplicate warnings, suggested programs with their reasons, and the
crisis flag (an intervention deadline in hours and an immediate alert to the township lead and the
county's on-call contact)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.models import Grant, User
from jijinan.accounts.selectors import grants_covering
from jijinan.cases.choices import OPEN_STAGES, Urgency
from jijinan.cases.facts import CAUSES, household_members, household_property
from jijinan.cases.models import Case, CaseCategory, CaseEvent, OnCallContact
from jijinan.cases.services import case_event_build
from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.errors import DomainError
from jijinan.core.permissions import Role
from jijinan.core.texts import Stored, joined, message, render, render_source, source_of
from jijinan.policy import calculators as calc

CRISIS_KIND = "case.crisis_first_contact"
CRISIS_PARAMETER = "case_handling.crisis_first_contact_limit"
CASE_SUBJECT = "cases.case"
URGENT_CATEGORIES = frozenset({"fire", "disaster", "accident", "mental_crisis", "vagrancy"})


def _case_url(subject_id: str) -> str:
    from django.urls import reverse

    return reverse("cases:case", args=[int(subject_id)])


def deadline_kinds_install() -> None:
    deadline_kind_register(DeadlineKind(
        code=CRISIS_KIND, label=gettext_lazy("危机个案首次接触"), default_unit="hours",
        subject_types=frozenset({CASE_SUBJECT}), subject_url=_case_url,
        description=gettext_lazy("有自杀、暴力或其他极端行为风险的个案，自标记起按小时计")))


# --- urgency and duplicates ------------------------------------------------------------------------
def _urgency(case: Case, declared: str) -> tuple[str, Any]:
    if case.crisis:
        return Urgency.CRITICAL, gettext_lazy("危机个案：按危急处理")
    if declared in (Urgency.URGENT, Urgency.CRITICAL):
        return declared, gettext_lazy("受理人判定")
    if URGENT_CATEGORIES.intersection(case.categories):
        return Urgency.URGENT, gettext_lazy("急难类别属突发事件")
    return Urgency.NORMAL, gettext_lazy("未见需紧急处理的情形")


def duplicate_warnings(case: Case) -> list[dict[str, Any]]:
    """Open cases of the same person or household; the same category for the same person within the
    calendar year (the repeat window)."""
    if case.person_id is None and case.household_id is None:
        return []
    same = Q()
    if case.person_id is not None:
        same |= Q(person_id=case.person_id)
    if case.household_id is not None:
        same |= Q(household_id=case.household_id)
    found = Case.objects.filter(same)
    if case.pk is not None:  # a case triaged before it is written has nothing of its own to leave out
        found = found.exclude(pk=case.pk)
    others = list(found.only(
        "pk", "number", "stage", "categories", "created_at", "person_id", "household_id").order_by("-created_at")[:50])
    year = timezone.localdate(case.created_at).year
    names = {c.code: c for c in CaseCategory.objects.filter(code__in=case.categories)}
    warnings: list[dict[str, Any]] = []
    for other in others:
        if other.stage in OPEN_STAGES:
            warnings.append(_warning({"kind": "open_case", "case_id": other.pk, "number": other.number}, message(
                gettext_noop("该对象已有未办结的事项 %(number)s"), {"number": other.number})))
        shared = sorted(set(other.categories) & set(case.categories))
        if shared and timezone.localdate(other.created_at).year == year:
            warnings.append(_warning(
                {"kind": "repeat_cause", "case_id": other.pk, "number": other.number, "categories": shared},
                message(gettext_noop("本年度已因相同原因（%(cats)s）登记过事项 %(number)s"), {
                    "cats": joined([names.get(c, c) for c in shared], "、"), "number": other.number})))
    return warnings


def _warning(warning: dict[str, Any], text: Stored) -> dict[str, Any]:
    """A warning with its text in Chinese (``text``) and as a message shown in the reader's language."""
    return {**warning, "text": render_source(text), "message": text}


# --- suggested programs ----------------------------------------------------------------------------
def _record(program: str, label: Any, result: Any, source: str) -> dict[str, Any]:
    explanation = result.explanation
    lines = []
    for line in explanation.lines:
        with translation.override("zh-hans"):
            zh = line.render()
        with translation.override("en"):
            en = line.render()
        lines.append({"zh": zh, "en": en})
    return {"program": program, "label": str(label), "outcome": result.outcome, "eligible": result.eligible,
            "amount_fen": result.amount_fen, "summary": explanation.outcome_zh, "source": source,
            "lines": [line.render() for line in explanation.lines],
            "texts": {"label": message(source_of(label)),
                      "summary": {"zh": explanation.outcome_zh, "en": explanation.outcome_en}, "lines": lines}}


def _reason(exc: DomainError) -> str:
    return str(exc.message)


def _unavailable(program: str, label: Any, reason: Any) -> dict[str, Any]:
    summary = message(gettext_noop("无法测算：%(reason)s"), {"reason": reason})
    return {"program": program, "label": str(label), "outcome": "unavailable", "eligible": None, "amount_fen": 0,
            "summary": render(summary), "lines": [],
            "texts": {"label": message(source_of(label)), "summary": summary, "lines": []}}


def triage_shown(triage: dict[str, Any]) -> dict[str, Any]:
    """The triage record with its texts in the active language; a record written before its texts
    were kept reads as it was written."""
    shown = dict(triage)
    shown["urgency_reason"] = render(triage.get("urgency_reason_text"), triage.get("urgency_reason", ""))
    shown["warnings"] = [{**w, "text": render(w.get("message"), w.get("text", ""))}
                         for w in triage.get("warnings", [])]
    suggestions = []
    for s in triage.get("suggestions", []):
        texts = s.get("texts") or {}
        suggestions.append({**s, "label": render(texts.get("label"), s.get("label", "")),
                            "summary": render(texts.get("summary"), s.get("summary", "")),
                            "lines": [render(line) for line in texts["lines"]] if "lines" in texts
                            else s.get("lines", [])})
    shown["suggestions"] = suggestions
    return shown


def suggestions(case: Case, actor: Any, on: date) -> list[dict[str, Any]]:
    """What the policy engine says about 低保 and (when money is needed) temporary assistance, with
    its reasons; never fails the intake: a missing parameter or fact is recorded as the reason.

    No stability risk is known at intake: a crisis flag alone is not one (the reviewer records a
    stability risk; an unresolved crisis is escalated when it runs past its limit)."""
    household = case.household
    if household is None:
        return [_unavailable("dibao", gettext_lazy("最低生活保障"), gettext_lazy("对象未关联已登记的家庭"))]
    region_code = case.handling_region.code
    out: list[dict[str, Any]] = []
    try:
        members = household_members(household)
        facts, source = household_property(actor, household)
    except DomainError as exc:  # a gap in the facts is a reason, not a failure
        return [_unavailable("dibao", gettext_lazy("最低生活保障"), _reason(exc))]
    try:
        result = calc.evaluate_in_force("dibao", calc.DibaoInput(
            region_code=region_code, on=on, household=calc.Household(members=members),
            monthly_income_fen=household.monthly_income_fen, property=facts))
        out.append(_record("dibao", gettext_lazy("最低生活保障"), result, source))
    except DomainError as exc:
        out.append(_unavailable("dibao", gettext_lazy("最低生活保障"), _reason(exc)))
    if "money" in case.needs:
        label = gettext_lazy("临时救助")
        cause = next((CAUSES[c] for c in case.categories if c in CAUSES), calc.Cause.OTHER)
        def assess(amount_fen: int) -> Any:
            return calc.evaluate_in_force("temporary_assistance", calc.TemporaryAssistanceInput(
                region_code=region_code, on=on, kind=calc.AssistanceKind.EMERGENCY, cause=cause,
                requested_amount_fen=amount_fen, household=calc.Household(members=members),
                severity=calc.Severity.CRITICAL if case.urgency == Urgency.CRITICAL else calc.Severity.GENERAL,
                annual_income_fen=household.monthly_income_fen * 12, property=facts))

        try:
            # Nothing is asked for yet: the band's suggested amount is what the engine is asked about.
            suggested = assess(1).suggested_fen
            out.append(_record("temporary_assistance", label, assess(max(suggested, 1)), source))
        except DomainError as exc:
            out.append(_unavailable("temporary_assistance", label, _reason(exc)))
    return out


def triage_assess(*, case: Case, actor: Any, declared_urgency: str, now: datetime
                  ) -> tuple[dict[str, Any], list[CaseEvent]]:
    """The triage record and its case events, unsaved, for a case that may not be written yet (so
    the intake writes it once, triage included); sets ``case.urgency``."""
    urgency, reason = _urgency(case, declared_urgency)
    case.urgency = urgency
    warnings = duplicate_warnings(case)
    suggested = suggestions(case, actor, timezone.localdate(now))
    user = actor if getattr(actor, "pk", None) else None
    events = [case_event_build(case=case, kind="triage", actor=user, at=now, data={"urgency": urgency},
                               text=message(gettext_noop("分诊：%(urgency)s（%(reason)s）"), {
                                   "urgency": Urgency(urgency).label, "reason": reason}))]
    events += [case_event_build(case=case, kind="duplicate_warning", actor=user, at=now, data=w, text=w["message"])
               for w in warnings]
    events += [case_event_build(case=case, kind="suggestion", actor=user, at=now, data={"program": s["program"]},
                                text=message(gettext_noop("%(label)s：%(summary)s"), {
                                    "label": s["texts"]["label"], "summary": s["texts"]["summary"]}))
               for s in suggested]
    return {"urgency": urgency, "urgency_reason": str(reason), "urgency_reason_text": message(source_of(reason)),
            "warnings": warnings, "suggestions": suggested, "at": now.isoformat()}, events


# --- crisis ----------------------------------------------------------------------------------------
def crisis_recipients(case: Case, now: datetime) -> tuple[list[User], list[User]]:
    """The township leads whose grants cover the handling township, and the county's on-call staff
    on duty now (else the county approvers of that county); either list may be empty."""
    township = case.handling_region
    leads = list(User.objects.filter(is_active=True, pk__in=grants_covering(
        region=township, roles=[Role.TOWNSHIP_LEAD]).values("user_id")).order_by("pk"))
    county_code = township.code[:6] + "000000"
    on_call = list(User.objects.filter(is_active=True, pk__in=OnCallContact.objects.filter(
        county__code=county_code, starts_at__lte=now, ends_at__gt=now).values("user_id")).order_by("pk"))
    if not on_call:
        on_call = list(User.objects.filter(is_active=True, pk__in=Grant.objects.filter(
            role=Role.COUNTY_APPROVER, revoked_at__isnull=True, region__code=county_code).values("user_id"))
            .order_by("pk"))
    return leads, on_call

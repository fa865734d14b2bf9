"""The indicators of the cases app: intakes (by channel and by category), the time each stage takes
(median and P90 in the unit of its deadline), stage deadlines met on time, fast-track share, make-up
paperwork on time, follow-up satisfaction, and money granted and paid by program.

Each answers all the groups of a query in one SQL query (see ``core.extensions.indicators``). The
times are read from the deadline table (``core.Deadline``): a stage's time runs from its deadline's
start to the instant it was met, counted in the deadline's own unit (working days over the calendar
with its 调休 days, calendar days, or wall-clock hours).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.cases.aid.services import AID_DEADLINE
from jijinan.cases.choices import Channel, PaymentStatus, Satisfaction
from jijinan.cases.models import AidPayment, Case, CaseAid, CaseCategory, FollowUp
from jijinan.core.calendar.workdays import DeadlineUnit, calendar_snapshot
from jijinan.core.deadlines.kinds import kind_label
from jijinan.core.deadlines.models import Deadline
from jijinan.core.extensions.indicators import (
    Indicator,
    IndicatorQuery,
    IndicatorUnit,
    IndicatorValue,
    count_by_group,
    group_expression,
    register_indicator,
    share,
)
from jijinan.core.vocabulary import vocabulary_labels
from jijinan.policy.choices import Program

CASE_SUBJECT = "cases.case"
CASE_CODE = "handling_region__code"
REVIEW_KIND, APPROVAL_KIND, AID_STAGE_KIND = "cases.stage.review", "cases.stage.approval", "cases.stage.aid"
MAKEUP_KIND = "cases.makeup_paperwork"
SATISFIED_AT_LEAST = Satisfaction.SATISFIED


def _program_label(code: Any) -> str:
    try:
        return str(Program(code).label)
    except ValueError:
        return str(code)


def _created(query: IndicatorQuery) -> QuerySet[Case]:
    return Case.objects.filter(created_at__gte=query.start, created_at__lt=query.end)


def intakes(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    return count_by_group(_created(query), query, CASE_CODE, breakdown="channel",
                          label=lambda c: str(Channel(c).label))


def intakes_by_category(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    """Cases of each category (a case of two categories counts under both); the value is the cases."""
    rows = (_created(query).filter(**{f"{CASE_CODE}__startswith": query.prefix})
            .annotate(indicator_group=group_expression(query, CASE_CODE))
            .values_list("indicator_group", "categories").order_by())
    names = vocabulary_labels(CaseCategory)
    counts: dict[str, int] = {}
    parts: dict[str, dict[str, int]] = {}
    for group, categories in rows:
        counts[group] = counts.get(group, 0) + 1
        for code in categories or []:
            name = names.get(code, str(code))
            parts.setdefault(group, {})[name] = parts.get(group, {}).get(name, 0) + 1
    if query.group_digits is None:
        counts.setdefault("", 0)
    return {g: IndicatorValue(value=n, breakdown=dict(sorted(parts.get(g, {}).items()))) for g, n in counts.items()}


def fast_track_share(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    counted = count_by_group(_created(query), query, CASE_CODE, breakdown="fast_tracked", label=str)
    return {g: IndicatorValue(value=share(int((v.breakdown or {}).get("True", 0)), int(v.value or 0)))
            for g, v in counted.items()}


# --- deadlines -----------------------------------------------------------------------------------------


def _closed_deadlines(query: IndicatorQuery, kinds: Iterable[str] | None = None) -> QuerySet[Deadline]:
    """The case deadlines that ended in the period: met then, or (never met, not cancelled) breached then."""
    closed = Q(met_at__gte=query.start, met_at__lt=query.end) | Q(
        met_at__isnull=True, cancelled_at__isnull=True, breached_at__gte=query.start, breached_at__lt=query.end)
    rows = Deadline.objects.filter(closed, subject_type=CASE_SUBJECT, region_code__startswith=query.prefix)
    return rows.filter(kind__in=list(kinds)) if kinds is not None else rows


def _on_time(query: IndicatorQuery, kinds: Iterable[str] | None = None) -> dict[str, IndicatorValue]:
    """The share of those deadlines handled within the deadline (met, never marked breached), with
    the share of each kind as the breakdown (one query)."""
    rows = (_closed_deadlines(query, kinds).annotate(indicator_group=group_expression(query, "region_code"))
            .values_list("indicator_group", "kind", "met_at", "breached_at").order_by())
    tally: dict[str, dict[str, list[int]]] = {}
    for group, kind, met_at, breached_at in rows:
        kept = tally.setdefault(group, {}).setdefault(kind, [0, 0])
        kept[1] += 1
        kept[0] += int(met_at is not None and breached_at is None)
    if query.group_digits is None:
        tally.setdefault("", {})
    out = {}
    for group, kinds_seen in tally.items():
        met = sum(k[0] for k in kinds_seen.values())
        total = sum(k[1] for k in kinds_seen.values())
        out[group] = IndicatorValue(value=share(met, total), breakdown={
            str(kind_label(kind)): k[0] / k[1] for kind, k in sorted(kinds_seen.items())})
    return out


def deadlines_on_time(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    return _on_time(query)


def makeup_paperwork_on_time(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    return _on_time(query, [MAKEUP_KIND])


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``fraction`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def elapsed(unit: str, started_at: datetime, met_at: datetime, snapshot: Any) -> float:
    """The time from ``started_at`` to ``met_at`` in ``unit``: working days over the calendar (the
    working days after the start's Beijing date up to and including the end's), calendar days (the
    same by dates), or hours (wall clock, to one decimal)."""
    if unit == DeadlineUnit.WORKING_DAYS:
        return float(snapshot.working_days_between(started_at, met_at).days)
    if unit == DeadlineUnit.CALENDAR_DAYS:
        from jijinan.core.calendar.workdays import local_date

        return float((local_date(met_at) - local_date(started_at)).days)
    return round((met_at - started_at).total_seconds() / 3600, 1)


def _stage_time(kind: str) -> Callable[[IndicatorQuery], dict[str, IndicatorValue]]:
    def compute(query: IndicatorQuery) -> dict[str, IndicatorValue]:
        rows = (Deadline.objects.filter(subject_type=CASE_SUBJECT, kind=kind, region_code__startswith=query.prefix,
                                        met_at__gte=query.start, met_at__lt=query.end)
                .annotate(indicator_group=group_expression(query, "region_code"))
                .values_list("indicator_group", "unit", "started_at", "met_at").order_by())
        snapshot = calendar_snapshot()
        times: dict[str, list[float]] = {}
        for group, unit, started_at, met_at in rows:
            if met_at is not None:  # the filter says so; the type does not
                times.setdefault(group, []).append(elapsed(unit, started_at, met_at, snapshot))
        if query.group_digits is None:
            times.setdefault("", [])
        return {g: IndicatorValue(value=None, breakdown=None) if not t else IndicatorValue(
            value=statistics.median(t),
            breakdown={str(_("中位数")): statistics.median(t), "P90": percentile(t, 0.9), str(_("件数")): len(t)})
            for g, t in times.items()}

    return compute


# --- follow-ups and money --------------------------------------------------------------------------------


def follow_up_satisfaction(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    follow_ups = FollowUp.objects.filter(recorded_at__gte=query.start, recorded_at__lt=query.end)
    counted = count_by_group(follow_ups, query, f"case__{CASE_CODE}", breakdown="satisfaction",
                             label=lambda s: str(Satisfaction(s).label))
    satisfied = {str(s.label) for s in Satisfaction if s >= SATISFIED_AT_LEAST}
    return {g: IndicatorValue(value=share(sum(int(n) for k, n in (v.breakdown or {}).items() if k in satisfied),
                                          int(v.value or 0)), breakdown=v.breakdown)
            for g, v in counted.items()}


def money_granted(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    granted = CaseAid.objects.filter(given_at__gte=query.start, given_at__lt=query.end)
    return count_by_group(granted, query, f"case__{CASE_CODE}", breakdown="program", label=_program_label,
                          total="amount_fen")


def money_paid(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    paid = AidPayment.objects.filter(status=PaymentStatus.PAID, changed_at__gte=query.start,
                                     changed_at__lt=query.end)
    return count_by_group(paid, query, f"aid__case__{CASE_CODE}", breakdown="aid__program", label=_program_label,
                          total="amount_fen")


def install() -> None:
    def add(code: str, title: Promise, unit: IndicatorUnit, definition: Promise, compute: Any, per_10k: bool = False
            ) -> None:
        register_indicator(Indicator(code=code, title=title, definition=definition, unit=unit, owner="cases",
                                     compute=compute, per_10k_residents=per_10k))

    add("cases.intakes", gettext_lazy("受理量"), IndicatorUnit.COUNT, gettext_lazy(
        "期间内登记的急难事项数（按登记时间），按办理乡镇（街道）所在区划统计，按来源渠道分列；"
        "含后来转出、撤回的事项。"), intakes, per_10k=True)
    add("cases.intakes_by_category", gettext_lazy("受理量（按急难类别）"), IndicatorUnit.COUNT, gettext_lazy(
        "期间内登记的急难事项数（按登记时间），按办理乡镇（街道）所在区划统计，按登记的急难类别分列；"
        "一件事项登记了几个类别，在每个类别下各计一次，合计仍按事项计。"), intakes_by_category, per_10k=True)
    add("cases.fast_track_share", gettext_lazy("先行救助占比"), IndicatorUnit.SHARE, gettext_lazy(
        "期间内登记的急难事项中，走“先行救助、事后补办”程序的比例（按登记时间）；期间内没有登记事项时不计。"),
        fast_track_share)
    add("cases.deadlines_on_time", gettext_lazy("环节按期办结率"), IndicatorUnit.SHARE, gettext_lazy(
        "期间内结束的急难事项各环节期限（期限表中完成时间在期间内，或未完成、未取消而超期时间在期间内）中，"
        "在期限内完成（有完成时间且从未记为超期）的比例，按期限所属区划统计，按期限类型分列。"),
        deadlines_on_time)
    add("cases.makeup_paperwork_on_time", gettext_lazy("补办手续按期率"), IndicatorUnit.SHARE, gettext_lazy(
        "期间内结束的先行救助补办手续期限中，在期限内补办完成（有完成时间且从未记为超期）的比例，"
        "按期限所属区划统计；时钟为补办手续期限本身（工作日）。"), makeup_paperwork_on_time)
    add("cases.time_to_review", gettext_lazy("受理到审核用时"), IndicatorUnit.WORKING_DAYS, gettext_lazy(
        "期间内完成的审核期限，自受理起算到审核完成的工作日数（按节假日和调休安排，起算当天不计）的中位数，"
        "另列 P90（最近秩法）和件数；暂停时间不扣除。"), _stage_time(REVIEW_KIND))
    add("cases.time_to_decision", gettext_lazy("审核到审批决定用时"), IndicatorUnit.WORKING_DAYS, gettext_lazy(
        "期间内完成的审批期限，自审核完成起算到作出批准或不予救助决定的工作日数（按节假日和调休安排，"
        "起算当天不计）的中位数，另列 P90（最近秩法）和件数；暂停时间不扣除。"), _stage_time(APPROVAL_KIND))
    add("cases.time_to_aid", gettext_lazy("审批到救助发放用时"), IndicatorUnit.WORKING_DAYS, gettext_lazy(
        "期间内完成的救助发放期限，自审批决定起算到救助实施的工作日数（按节假日和调休安排，起算当天不计）"
        "的中位数，另列 P90（最近秩法）和件数；暂停时间不扣除。"), _stage_time(AID_STAGE_KIND))
    add("cases.time_to_emergency_aid", gettext_lazy("急难型受理到首笔发放用时"), IndicatorUnit.HOURS,
        gettext_lazy("期间内完成的急难救助发放时限，自受理起到首笔救助金发放的小时数（连续计算，不分昼夜，"
                     "保留一位小数）的中位数，另列 P90（最近秩法）和件数。"), _stage_time(AID_DEADLINE))
    add("cases.follow_up_satisfaction", gettext_lazy("回访满意率"), IndicatorUnit.SHARE, gettext_lazy(
        "期间内登记的回访记录（按登记时间）中，满意度为“满意”或“非常满意”的比例，按事项办理乡镇（街道）"
        "所在区划统计，按满意度分列件数。"), follow_up_satisfaction)
    add("cases.money_granted", gettext_lazy("救助金额（实施）"), IndicatorUnit.FEN, gettext_lazy(
        "期间内登记的救助实施记录（按实施时间）的金额合计，按事项办理乡镇（街道）所在区划统计，"
        "按救助项目分列。"), money_granted, per_10k=True)
    add("cases.money_paid", gettext_lazy("救助金额（已发放）"), IndicatorUnit.FEN, gettext_lazy(
        "期间内标记为已发放的发放期次（按状态变更时间）的金额合计，按事项办理乡镇（街道）所在区划统计，"
        "按救助项目分列；发放失败、退回的不计。"), money_paid, per_10k=True)

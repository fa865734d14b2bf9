"""The work queue's Excel export: the queue exactly as the page lists it (the same selector, scope,
filters and order), through the shared export writer (typed cells, no formulas, one access-log row).

Subjects' ID numbers and all phone numbers are masked unless the user may unmask them for the
case's area and asked to, with a reason; a case outside the areas where the user may export is
left out even when their queue shows it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.cases.queues import selectors as queues
from jijinan.cases.queues.permissions import QUEUE_EXPORT, QUEUE_EXPORT_UNMASK
from jijinan.cases.selectors import vocabulary_names
from jijinan.core import exports
from jijinan.core.permissions import Target, can, restrict

C, K = exports.Column, exports.ColumnKind

QUEUE_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("待办事项"), subject_type="cases.case",
    fields=["subject_id_number", "subject_phone", "reporter_phone"],
    columns=[
        C("number", gettext_lazy("事项编号"), width=20), C("subject", gettext_lazy("对象")),
        C("id_number", gettext_lazy("身份证号"), K.ID_NUMBER), C("subject_phone", gettext_lazy("对象电话"), K.PHONE),
        C("reporter_name", gettext_lazy("报告人")), C("reporter_phone", gettext_lazy("报告人电话"), K.PHONE),
        C("stage", gettext_lazy("阶段")), C("handling_region", gettext_lazy("办理乡镇（街道）")),
        C("categories", gettext_lazy("急难类别"), width=20), C("needs", gettext_lazy("需求"), width=20),
        C("urgency", gettext_lazy("紧急程度")), C("crisis", gettext_lazy("危机个案"), K.BOOL),
        C("channel", gettext_lazy("来源渠道")),
        C("owner", gettext_lazy("责任人")), C("next_due", gettext_lazy("最近期限"), K.DATETIME),
        C("mark", gettext_lazy("期限状态")),
        C("requested_amount_fen", gettext_lazy("拟救助金额（元）"), K.MONEY_FEN),
        C("decided_amount_fen", gettext_lazy("审批金额（元）"), K.MONEY_FEN),
        C("event_at", gettext_lazy("发生时间"), K.DATETIME), C("created_at", gettext_lazy("登记时间"), K.DATETIME),
    ])


def _shown(value: Any, *, clear: bool) -> str | None:
    if value is None:
        return None
    return str(value.reveal()) if clear else str(value)


def _labels(codes: Any, names: Mapping[str, str]) -> str:
    return "、".join(names.get(code, code) for code in codes or [])


def queue_export_file(*, user: Any, scope: str, filters: queues.QueueFilters, options: exports.ExportOptions,
                      shown_filters: Mapping[str, str], now: datetime | None = None) -> exports.ExportFile:
    """The workbook of ``user``'s queue (``scope`` mine or area) under ``filters``; ``shown_filters``
    are the same filters as the page labels them, for the file's header and the access log."""
    masked = exports.export_masked(options=options, may_unmask=can(user, QUEUE_EXPORT_UNMASK))
    now = now or timezone.now()
    cases = queues.case_queue_for_user(user=user, scope=scope, filters=filters, now=now)
    cases = restrict(cases, user, QUEUE_EXPORT, queues.CASE_PATHS)
    count = cases.count()
    categories, needs = vocabulary_names()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(cases):
            for case in batch:
                clear = not masked and can(user, QUEUE_EXPORT_UNMASK,
                                           Target(region_prefix=case.handling_region.prefix))
                person = case.person
                mark = _("已超期") if case.overdue else _("今日到期") if queues.due_today(case, now=now) else ""
                yield {
                    "number": case.number, "subject": person.name if person else case.subject_name,
                    "id_number": _shown(person.id_number, clear=clear) if person else None,
                    "subject_phone": _shown(person.phone, clear=clear) if person else None,
                    "reporter_name": case.reporter_name,
                    "reporter_phone": _shown(case.reporter_phone, clear=clear),
                    "stage": case.get_stage_display(), "handling_region": case.handling_region.name,
                    "categories": _labels(case.categories, categories), "needs": _labels(case.needs, needs),
                    "urgency": case.get_urgency_display(), "crisis": case.crisis,
                    "channel": case.get_channel_display(),
                    "owner": case.owner.display_name() if case.owner else _("未分配"),
                    "next_due": case.next_due, "mark": mark,
                    "requested_amount_fen": case.requested_amount_fen, "decided_amount_fen": case.decided_amount_fen,
                    "event_at": case.event_at, "created_at": case.created_at,
                }

    return exports.export_list(actor=user, spec=QUEUE_EXPORT_SPEC, rows=rows(), count=count,
                               filters=shown_filters, masked=masked, reason=options.reason)

"""What referrals add to the platform's registries: the office's home-page panel, an indicator
of returned tasks, the webhook event types they write, and how a task reads beside its deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jijinan.cases.summary import BAD, CaseFlag, register_case_flags
from jijinan.core.extensions.events import WebhookEventType, register_webhook_event
from jijinan.core.extensions.indicators import (
    Indicator,
    IndicatorQuery,
    IndicatorUnit,
    IndicatorValue,
    count_by_group,
    register_indicator,
)
from jijinan.core.extensions.panels import (
    PANEL_ITEMS,
    HomePanel,
    PanelContent,
    PanelItem,
    at_note,
    due_note,
    register_home_panel,
)
from jijinan.core.extensions.subjects import DeadlineSubject, SubjectLabel, register_deadline_subject
from jijinan.referrals.choices import TaskEventKind
from jijinan.referrals.models import DeflectionFlag, Task, TaskEvent
from jijinan.referrals.notify import FLAG_EVENT, NOTICE_EVENT
from jijinan.referrals.permissions import FLAG_VIEW, OFFICE_VIEW
from jijinan.referrals.selectors import flags_for_user, office_tasks


def _task_item(task: Task, now: datetime) -> PanelItem:
    text = f"{task.number} · {task.need.name if task.need is not None else task.office.name}"
    due = task.deadline.due_at if task.deadline is not None else None
    when, state = due_note(due, now=now) if due is not None else (_("无期限"), "")
    return PanelItem(text=text, url=reverse("referrals:office_task", args=[task.pk]), when=when, state=state)


def office_panel(user: Any) -> PanelContent:
    now = timezone.now()
    tasks = office_tasks(user=user, status="open", now=now)
    count = tasks.count()
    overdue = office_tasks(user=user, status="overdue", now=now).count() if count else 0
    return PanelContent(
        count=count,
        summary=_("本部门有 %(count)d 项分办任务在办，其中 %(overdue)d 项已超期") % {
            "count": count, "overdue": overdue},
        url=reverse("referrals:office_queue"), link_text=_("打开部门任务"),
        empty_text=_("本部门没有在办的分办任务。"), urgent=overdue > 0,
        items=tuple(_task_item(t, now) for t in tasks[:PANEL_ITEMS]) if count else (),
        empty_url=reverse("referrals:office_queue") + "?status=done", empty_link_text=_("查看已办结的任务"))


def flags_panel(user: Any) -> PanelContent:
    now = timezone.now()
    flags = flags_for_user(user=user)  # the live ones: open or under 督办
    count = flags.count()
    return PanelContent(
        count=count,
        summary=ngettext("辖区有 %(count)d 条推诿预警未处理", "辖区有 %(count)d 条推诿预警未处理",
                         count) % {"count": count},
        url=reverse("referrals:flags"), link_text=_("查看推诿预警"), empty_text=_("辖区没有未处理的推诿预警。"),
        urgent=count > 0,
        items=tuple(PanelItem(text=f"{f.task.number} · {f.get_reason_display()} · {f.get_status_display()}",
                              url=reverse("referrals:flag", args=[f.pk]),
                              when=at_note(f.updated_at, now=now)) for f in flags[:PANEL_ITEMS]) if count else ())


def deflection_flags(case: Any) -> list[CaseFlag]:
    count = DeflectionFlag.objects.filter(task__case=case).count()
    if not count:
        return []
    return [CaseFlag("deflection", ngettext("推诿预警 %(n)d 条", "推诿预警 %(n)d 条", count) % {"n": count}, BAD)]


def tasks_returned(query: IndicatorQuery) -> dict[str, IndicatorValue]:
    returns = TaskEvent.objects.filter(kind=TaskEventKind.RETURNED, at__gte=query.start, at__lt=query.end)
    return count_by_group(returns, query, "task__case__handling_region__code")


def task_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    """Each task as its number and office, linked to the side of the task the reader works on."""
    pks = [int(i) for i in ids if i.isdigit()]
    tasks = Task.objects.filter(pk__in=pks).select_related("case", "office").only(
        "pk", "sequence", "case__number", "office__name")
    return {str(t.pk): SubjectLabel(
        _("部门任务 %(number)s · %(office)s") % {"number": t.number, "office": t.office.name},
        reverse("referrals:task_locate", args=[t.pk])) for t in tasks}


def install() -> None:
    register_deadline_subject(DeadlineSubject(subject_type="referrals.task", title=gettext_lazy("部门任务"),
                                              labels=task_labels))
    register_home_panel(HomePanel(code="referrals.office_tasks", order=20, title=gettext_lazy("部门任务"),
                                  action=OFFICE_VIEW, content=office_panel))
    register_case_flags("referrals.deflection", deflection_flags)
    register_home_panel(HomePanel(code="referrals.flags", order=30, title=gettext_lazy("推诿预警"),
                                  action=FLAG_VIEW, content=flags_panel))
    register_indicator(Indicator(
        code="referrals.tasks_returned", title=gettext_lazy("分办任务退回次数"), unit=IndicatorUnit.COUNT,
        owner="referrals",
        definition=gettext_lazy("期间内部门把分办任务退回民政的次数（按退回时间），按事项办理乡镇（街道）"
                                "所在区划统计；同一任务退回几次计几次。"),
        compute=tasks_returned))
    register_webhook_event(WebhookEventType(
        type=NOTICE_EVENT, title=gettext_lazy("部门任务动态"), owner="referrals",
        description=gettext_lazy("分办任务被分办、接收、退回、转办、办结等之后发出，notice 说明是哪一种。"),
        subject_type="referrals.task",
        payload_keys=("task_id", "notice", "number", "case_id", "office_id", "office", "township", "due_at",
                      "reason", "text", "actor_id", "at")))
    register_webhook_event(WebhookEventType(
        type=FLAG_EVENT, title=gettext_lazy("推诿预警"), owner="referrals",
        description=gettext_lazy("任务退回过多、在部门间循环或长期无人办理时发出。"), subject_type="referrals.task",
        payload_keys=("flag_id", "task_id", "reason", "detail", "region_code", "occurrences")))

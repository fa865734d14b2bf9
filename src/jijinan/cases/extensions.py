"""What the cases app adds to the platform's registries: its home-page panel (the user's queue),
its indicators, the webhook event types it writes, and how its cases read beside their deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jijinan.cases import indicators
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_CREATE, CASE_VIEW_OWN
from jijinan.cases.queues.permissions import QUEUE_VIEW
from jijinan.cases.queues.selectors import case_queue_for_user
from jijinan.cases.selectors import own_reports_count, own_reports_for_user
from jijinan.core.extensions.events import WebhookEventType, register_webhook_event
from jijinan.core.extensions.panels import (
    PANEL_ITEMS,
    HomePanel,
    NextStep,
    PanelContent,
    PanelItem,
    at_note,
    due_note,
    register_home_panel,
    register_next_step,
)
from jijinan.core.extensions.subjects import DeadlineSubject, SubjectLabel, register_deadline_subject


def _case_item(case: Any, now: datetime) -> PanelItem:
    name = case.person.name if case.person is not None else (case.subject_name or "—")
    due = getattr(case, "next_due", None)
    when, state = due_note(due, now=now) if due is not None else (_("无期限"), "")
    return PanelItem(text=f"{case.number} · {name}", url=reverse("cases:case", args=[case.pk]), when=when, state=state)


def queue_panel(user: Any) -> PanelContent:
    now = timezone.now()
    cases = case_queue_for_user(user=user, now=now)
    count = cases.count()
    # ``overdue`` is an annotation of the queue, unknown to the type checker.
    overdue = cases.filter(overdue=True).count() if count else 0  # type: ignore[misc]
    items = tuple(_case_item(c, now) for c in cases[:PANEL_ITEMS]) if count else ()
    return PanelContent(
        count=count,
        summary=_("%(count)d 件急难事项等您办理，其中 %(overdue)d 件已超期") % {"count": count, "overdue": overdue},
        url=reverse("cases:queue"), link_text=_("打开待办事项"),
        empty_text=_("没有等您办理的事项。"), urgent=overdue > 0, items=items)


def own_reports_panel(user: Any) -> PanelContent:
    now = timezone.now()
    reports = own_reports_for_user(user=user, limit=PANEL_ITEMS)
    count = own_reports_count(user=user)
    return PanelContent(
        count=count,
        summary=ngettext("您报告过 %(count)d 件事项", "您报告过 %(count)d 件事项", count) % {"count": count},
        url=reverse("cases:own_reports"), link_text=_("查看我的报告"),
        empty_text=_("您还没有报告过事项。"),
        items=tuple(PanelItem(text=f"{c.number} · {c.get_stage_display()}", url=reverse("cases:own_reports"),
                              when=at_note(c.created_at, now=now)) for c in reports),
        empty_url=reverse("cases:intake") + "?channel=informant", empty_link_text=_("报告新情况"))


def case_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    """Each case as its number, linked to the case page (one query)."""
    pks = [int(i) for i in ids if i.isdigit()]
    return {str(pk): SubjectLabel(_("急难事项 %(number)s") % {"number": number}, reverse("cases:case", args=[pk]))
            for pk, number in Case.objects.filter(pk__in=pks).values_list("pk", "number")}


def install() -> None:
    register_deadline_subject(DeadlineSubject(subject_type="cases.case", title=gettext_lazy("急难事项"),
                                              labels=case_labels))
    register_home_panel(HomePanel(code="cases.queue", order=10, title=gettext_lazy("待办事项"),
                                  action=QUEUE_VIEW, content=queue_panel))
    register_home_panel(HomePanel(code="cases.own_reports", order=15, title=gettext_lazy("我的报告"),
                                  action=CASE_VIEW_OWN, content=own_reports_panel))
    register_next_step(NextStep(code="cases.report", order=20, text=gettext_lazy("发现新的困难情况，可以随时报告。"),
                                url_name="cases:intake", query="?channel=informant",
                                link_text=gettext_lazy("报告新情况"), action=CASE_VIEW_OWN))
    register_next_step(NextStep(code="cases.intake", order=10, text=gettext_lazy("可以去受理登记新的求助。"),
                                url_name="cases:intake", link_text=gettext_lazy("受理登记"), action=CASE_CREATE,
                                also=(QUEUE_VIEW,)))  # staff who work a queue, not informants
    indicators.install()
    register_webhook_event(WebhookEventType(
        type="cases.case.intake", title=gettext_lazy("急难事项已登记"), owner="cases",
        description=gettext_lazy("任一渠道登记一件急难事项后发出。"), subject_type="cases.case",
        payload_keys=("id", "number", "region_code", "stage", "channel", "crisis", "version")))
    register_webhook_event(WebhookEventType(
        type="cases.case.stage_changed", title=gettext_lazy("急难事项进入新阶段"), owner="cases",
        description=gettext_lazy("事项在办理流程中每前进、退回或转移一步后发出。"), subject_type="cases.case",
        payload_keys=("id", "number", "region_code", "transition", "from", "to", "version", "at")))
    register_webhook_event(WebhookEventType(
        type="cases.case.subject_identified", title=gettext_lazy("急难事项对象已确认身份"), owner="cases",
        description=gettext_lazy("登记时身份不明的对象关联到已登记的救助对象或家庭后发出（不含个人信息）。"),
        subject_type="cases.case", payload_keys=("id", "number", "region_code", "version", "at")))

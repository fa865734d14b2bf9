"""What the crisis track adds to the platform's registries: its deadline kinds, the home panel of
open crises for the township lead and the county approver, the menu entry and the audit labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.extensions.panels import (
    PANEL_ITEMS,
    HomePanel,
    PanelContent,
    PanelItem,
    due_note,
    register_home_panel,
)


def _case_url(subject_id: str) -> str:
    return reverse("cases:case", args=[int(subject_id)]) if subject_id.isdigit() else ""


def _item(case: Any, dues: list[Any], now: datetime) -> PanelItem:
    from jijinan.consultation.crisis.selectors import Due

    subject = case.person.name if case.person is not None else (case.subject_name or _("身份不明对象"))
    first: Due | None = dues[0] if dues else None
    when, state = due_note(first.due_at, now=now) if first is not None else ("", "")
    text = f"{case.number} · {subject}" + (f" · {first.label}" if first is not None else "")
    return PanelItem(text=text, url=reverse("cases:case", args=[case.pk]), when=when, state=state)


def crisis_panel(user: Any) -> PanelContent:
    from jijinan.consultation.crisis.permissions import CRISIS_WATCH
    from jijinan.consultation.crisis.selectors import crisis_list_for_user, dues_of, overdue_count

    now = timezone.now()
    rows = crisis_list_for_user(user=user, action=CRISIS_WATCH)
    count = rows.count()
    first = list(rows[:PANEL_ITEMS]) if count else []
    dues = dues_of([c.pk for c in first], now) if first else {}
    late = overdue_count(rows, now) if count else 0
    summary = ngettext("辖区有 %(count)d 个进行中的危机个案", "辖区有 %(count)d 个进行中的危机个案", count) % {
        "count": count}
    if late:
        summary = _("%(summary)s，其中 %(late)d 个有事项已超期") % {"summary": summary, "late": late}
    return PanelContent(
        count=count,
        summary=summary,
        url=reverse("consultation:crisis:list"), link_text=_("打开危机个案"),
        empty_text=_("辖区没有进行中的危机个案"), urgent=late > 0,
        items=tuple(_item(c, dues.get(c.pk, []), now) for c in first),
        empty_url=reverse("consultation:crisis:list"), empty_link_text=_("查看危机个案"))


def install() -> None:
    from jijinan.audit.labels import register_action_labels
    from jijinan.consultation.crisis.permissions import CRISIS_VIEW, CRISIS_WATCH, ROWS
    from jijinan.consultation.crisis.services import PLAN_DEADLINE, REASSESSMENT_DEADLINE
    from jijinan.core import nav
    from jijinan.core.nav import NavItem, register_nav
    from jijinan.core.permissions import register_actions

    register_actions(ROWS)
    deadline_kind_register(DeadlineKind(
        code=PLAN_DEADLINE, label=gettext_lazy("危机干预方案期限"), default_unit="hours",
        subject_types=frozenset({"cases.case"}), subject_url=_case_url,
        description=gettext_lazy("自危机标记起，制定干预方案并联系专业力量")))
    deadline_kind_register(DeadlineKind(
        code=REASSESSMENT_DEADLINE, label=gettext_lazy("危机再评估期限"), default_unit="hours",
        subject_types=frozenset({"cases.case"}), subject_url=_case_url,
        description=gettext_lazy("干预方案登记后按间隔再评估风险，直至危机解除")))
    register_home_panel(HomePanel(code="consultation.crisis", order=4, title=pgettext_lazy("list", "危机个案"),
                                  action=CRISIS_WATCH, content=crisis_panel))
    register_nav(NavItem(14, pgettext_lazy("list", "危机个案"), "consultation:crisis:list", CRISIS_VIEW, "consultation",
                         nav.WORKBENCH))
    register_action_labels({
        "consultation.crisis.open": gettext_lazy("危机干预建档"),
        "consultation.crisis.first_contact": gettext_lazy("登记危机首次接触"),
        "consultation.crisis.plan": gettext_lazy("登记危机干预方案"),
        "consultation.crisis.contact": gettext_lazy("登记危机干预专业力量"),
        "consultation.crisis.reassess": gettext_lazy("危机再评估"),
        "consultation.crisis.resolve": gettext_lazy("危机解除"),
        "consultation.crisis.escalate": gettext_lazy("危机逾期未解除，报告协商"),
        "consultation.crisis.escalation_refused": gettext_lazy("危机逾期未解除，无法报告协商"),
    })

"""What consultation adds to the platform's registries: its deadline kinds and subjects, its
home-page panels (the open escalations with their late opinions and overdue duties; the opinions
asked of an office) and its menu entries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jijinan.core import nav
from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.extensions.panels import (
    LATE,
    PANEL_ITEMS,
    HomePanel,
    PanelContent,
    PanelItem,
    at_note,
    due_note,
    register_home_panel,
)
from jijinan.core.extensions.subjects import DeadlineSubject, SubjectLabel, register_deadline_subject


def _escalation_url(subject_id: str) -> str:
    return reverse("consultation:escalation", args=[int(subject_id)])


def _opinion_url(subject_id: str) -> str:
    from jijinan.consultation.models import Opinion

    escalation_id = Opinion.objects.filter(pk=int(subject_id)).values_list(
        "consultation__escalation_id", flat=True).first()
    return reverse("consultation:escalation", args=[escalation_id]) if escalation_id else ""


def escalation_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    from jijinan.consultation.models import Escalation

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(e.pk): SubjectLabel(_("报告协商 %(number)s") % {"number": e.number},
                                    reverse("consultation:escalation", args=[e.pk]))
            for e in Escalation.objects.filter(pk__in=pks).select_related("case")}


def opinion_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    from jijinan.consultation.models import Opinion

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(o.pk): SubjectLabel(_("%(office)s 的会商意见（%(number)s）") % {
        "office": o.office.name, "number": o.consultation.escalation.number},
        reverse("consultation:escalation", args=[o.consultation.escalation_id]))
        for o in Opinion.objects.filter(pk__in=pks).select_related("office", "consultation__escalation__case")}


def escalations_panel(user: Any) -> PanelContent:
    """The open escalations of the cases in the user's area (a township lead's township, the
    county, the government's region), with their late opinions, and the decided ones whose duties
    are overdue."""
    from jijinan.consultation import selectors

    now = timezone.now()
    rows = selectors.escalation_list_for_user(user=user, status="open")
    count = rows.count()
    shown = list(rows[:PANEL_ITEMS]) if count else []
    late = selectors.late_opinions(escalations=shown, now=now)
    overdue = list(selectors.overdue_duties(user=user, now=now)[:PANEL_ITEMS])
    items = []
    for e in shown:
        name = e.case.person.name if e.case.person is not None else (e.case.subject_name or "")
        text = f"{e.number} · {name} · {e.get_status_display()}"
        if late.get(e.pk):
            text += " · " + ngettext("%(n)d 个意见逾期", "%(n)d 个意见逾期", late[e.pk]) % {"n": late[e.pk]}
        if e.status == "open" and e.deadline is not None:
            when, state = due_note(e.deadline.due_at, now=now)
        else:
            when, state = at_note(e.raised_at, now=now), (LATE if late.get(e.pk) else "")
        items.append(PanelItem(text=text, url=reverse("consultation:escalation", args=[e.pk]), when=when,
                               state=state))
    for d in overdue:
        escalation = d.decision.consultation.escalation
        due = d.task.deadline.due_at if d.task is not None and d.task.deadline is not None else now
        when, state = due_note(due, now=now)
        items.append(PanelItem(text=_("%(number)s · %(office)s 分工未办结") % {
            "number": escalation.number, "office": d.office.name},
            url=reverse("consultation:escalation", args=[escalation.pk]), when=when, state=state))
    late_total = sum(late.values())
    return PanelContent(
        count=count + len(overdue),
        summary=_("辖区有 %(count)d 件报告协商未办结（%(late)d 个意见逾期），%(overdue)d 项会商分工已超期") % {
            "count": count, "late": late_total, "overdue": len(overdue)},
        url=reverse("consultation:list"), link_text=_("打开报告协商"),
        empty_text=_("辖区没有未办结的报告协商，会商分工都在期限内。"),
        urgent=bool(late_total or overdue or any(i.state == LATE for i in items)),
        items=tuple(items[:PANEL_ITEMS]),
        empty_url=reverse("consultation:list") + "?status=all", empty_link_text=_("查看全部报告协商"))


def office_opinions_panel(user: Any) -> PanelContent:
    from jijinan.consultation import selectors

    now = timezone.now()
    rows = selectors.opinions_for_office(user=user).filter(status="requested")
    count = rows.count()
    items = []
    for o in rows[:PANEL_ITEMS] if count else []:
        when, state = due_note(o.deadline.due_at, now=now) if o.deadline is not None else ("", "")
        items.append(PanelItem(text=f"{o.consultation.escalation.number} · {o.office.name}",
                               url=reverse("consultation:office_opinion", args=[o.pk]), when=when, state=state))
    return PanelContent(
        count=count, summary=ngettext("有 %(count)d 个会商待本单位提出意见", "有 %(count)d 个会商待本单位提出意见",
                                      count) % {"count": count},
        url=reverse("consultation:office_opinions"), link_text=_("打开会商意见"),
        empty_text=_("没有待本单位提出意见的会商。"), urgent=any(i.state == LATE for i in items), items=tuple(items),
        empty_url=reverse("consultation:office_opinions") + "?status=all", empty_link_text=_("查看全部"))


def install() -> None:
    from jijinan.consultation.permissions import CONSULTATION_MANAGE, ESCALATION_VIEW, OPINION_VIEW_OFFICE
    from jijinan.consultation.services import (
        CONVENE_DEADLINE,
        ESCALATION_SUBJECT,
        OPINION_DEADLINE,
        OPINION_SUBJECT,
    )

    deadline_kind_register(DeadlineKind(
        code=CONVENE_DEADLINE, label=gettext_lazy("召集会商期限"), default_unit="working_days",
        subject_types=frozenset({ESCALATION_SUBJECT}), subject_url=_escalation_url,
        description=gettext_lazy("自报告协商起，人民政府（或受委托的民政部门）召集会商")))
    deadline_kind_register(DeadlineKind(
        code=OPINION_DEADLINE, label=gettext_lazy("会商意见期限"), default_unit="working_days",
        subject_types=frozenset({OPINION_SUBJECT}), subject_url=_opinion_url,
        description=gettext_lazy("受邀部门自邀请起提出书面意见")))
    register_deadline_subject(DeadlineSubject(subject_type=ESCALATION_SUBJECT, title=gettext_lazy("报告协商"),
                                              labels=escalation_labels))
    register_deadline_subject(DeadlineSubject(subject_type=OPINION_SUBJECT, title=gettext_lazy("会商意见"),
                                              labels=opinion_labels))
    register_home_panel(HomePanel(code="consultation.escalations", order=25, title=gettext_lazy("报告协商"),
                                  action=CONSULTATION_MANAGE, content=escalations_panel))
    register_home_panel(HomePanel(code="consultation.office_opinions", order=21, title=gettext_lazy("会商意见"),
                                  action=OPINION_VIEW_OFFICE, content=office_opinions_panel))
    nav.register_nav(nav.NavItem(35, gettext_lazy("报告协商"), "consultation:list", ESCALATION_VIEW, "consultation",
                                 nav.COORDINATION))
    nav.register_nav(nav.NavItem(14, gettext_lazy("会商意见"), "consultation:office_opinions", OPINION_VIEW_OFFICE,
                                 "consultation", nav.COORDINATION))

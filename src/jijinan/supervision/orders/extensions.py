"""What 督办 orders add to the platform's registries: the answer deadline's kind and subject, the home
panel of the orders waiting for an answer, the menu entries and the audit labels."""

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
    due_note,
    register_home_panel,
)
from jijinan.core.extensions.subjects import DeadlineSubject, SubjectLabel, register_deadline_subject


def _order_url(subject_id: str) -> str:
    return reverse("supervision:order", args=[int(subject_id)])


def order_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    from jijinan.supervision.models import SupervisionOrder

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(o.pk): SubjectLabel(_("督办单 %(number)s · %(office)s") % {
        "number": o.number, "office": o.addressee_office.name}, reverse("supervision:order", args=[o.pk]))
        for o in SupervisionOrder.objects.filter(pk__in=pks).select_related("addressee_office")}


def addressed_panel(user: Any) -> PanelContent:
    """待答复的督办: the orders addressed to the user's offices that wait for an answer."""
    from jijinan.supervision.orders import selectors

    now = timezone.now()
    rows = selectors.orders_addressed_for_user(user=user)
    count = rows.count()
    late = rows.filter(deadline__due_at__lt=now).count() if count else 0
    items = []
    for o in rows[:PANEL_ITEMS] if count else []:
        when, state = due_note(o.deadline.due_at, now=now) if o.deadline is not None else ("", "")
        items.append(PanelItem(text=f"{o.number} · {o.addressee_office.name} · {o.get_matter_kind_display()}",
                               url=reverse("supervision:order", args=[o.pk]), when=when, state=state))
    return PanelContent(
        count=count,
        summary=ngettext("有 %(count)d 件督办待答复（%(late)d 件已逾期）",
                         "有 %(count)d 件督办待答复（%(late)d 件已逾期）", count) % {"count": count, "late": late},
        url=reverse("supervision:orders_addressed"), link_text=_("打开待答复的督办"),
        empty_text=_("没有待本单位答复的督办。"), urgent=bool(late) or any(i.state == LATE for i in items),
        items=tuple(items), empty_url=reverse("supervision:orders_addressed") + "?status=all",
        empty_link_text=_("查看全部交办的督办"))


def install() -> None:
    from jijinan.audit.labels import register_action_labels
    from jijinan.supervision.orders.permissions import ORDER_VIEW, ORDER_VIEW_ADDRESSED
    from jijinan.supervision.orders.services import ORDER_DEADLINE, ORDER_SUBJECT

    deadline_kind_register(DeadlineKind(
        code=ORDER_DEADLINE, label=gettext_lazy("督办答复期限"), default_unit="working_days",
        subject_types=frozenset({ORDER_SUBJECT}), subject_url=_order_url,
        description=gettext_lazy("承办单位自收到督办单起答复办理情况；逾期未答复的提级督办")))
    register_deadline_subject(DeadlineSubject(subject_type=ORDER_SUBJECT, title=gettext_lazy("督办单"),
                                              labels=order_labels))
    register_home_panel(HomePanel(code="supervision.orders_addressed", order=22, title=gettext_lazy("待答复的督办"),
                                  action=ORDER_VIEW_ADDRESSED, content=addressed_panel))
    nav.register_nav(nav.NavItem(36, gettext_lazy("督办单"), "supervision:orders", ORDER_VIEW, "supervision",
                                 nav.OVERSIGHT))
    nav.register_nav(nav.NavItem(15, gettext_lazy("待答复的督办"), "supervision:orders_addressed",
                                 ORDER_VIEW_ADDRESSED, "supervision", nav.COORDINATION))
    register_action_labels({
        "supervision.order.open": gettext_lazy("发出督办"),
        "supervision.order.answer": gettext_lazy("答复督办"),
        "supervision.order.close": gettext_lazy("督办办结"),
        "supervision.order.send_back": gettext_lazy("督办退回重办"),
        "supervision.order.cancel": gettext_lazy("撤销督办"),
        "supervision.order.escalate": gettext_lazy("提级督办"),
    })

"""What the filing of township approvals adds to the platform's registries: its menu entry and the
home panel of the sampled filings waiting for their spot-check finding."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jijinan.core import nav
from jijinan.core.extensions.panels import PANEL_ITEMS, HomePanel, PanelContent, PanelItem, at_note, register_home_panel
from jijinan.supervision.filings.permissions import FILING_CHECK, FILING_VIEW


def waiting_checks_panel(user: Any) -> PanelContent:
    from jijinan.supervision.filings import selectors

    now = timezone.now()
    rows = selectors.waiting_checks(user=user, action=FILING_CHECK)
    count = rows.count()
    items = tuple(PanelItem(text=f"{f.case.number} · {f.township.name}", url=reverse("supervision:filing", args=[f.pk]),
                            when=at_note(f.draw.drawn_at, now=now) if f.draw else "")
                  for f in rows[:PANEL_ITEMS]) if count else ()
    return PanelContent(
        count=count,
        summary=ngettext("%(count)d 件抽中的乡镇审批备案待登记抽查结论", "%(count)d 件抽中的乡镇审批备案待登记抽查结论",
                         count) % {"count": count},
        url=reverse("supervision:filings") + "?status=sampled", link_text=_("登记抽查结论"),
        empty_text=_("没有待登记结论的抽查备案。"), items=items,
        empty_url=reverse("supervision:filings"), empty_link_text=_("查看乡镇审批备案"))


def install() -> None:
    nav.register_nav(nav.NavItem(38, gettext_lazy("审批备案"), "supervision:filings", FILING_VIEW, "supervision",
                                 nav.OVERSIGHT))
    register_home_panel(HomePanel(code="supervision.filing_checks", order=45, title=gettext_lazy("备案抽查"),
                                  action=FILING_CHECK, content=waiting_checks_panel))

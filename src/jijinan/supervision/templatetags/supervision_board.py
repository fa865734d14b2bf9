"""`{% load supervision_board %}`: who answers now for the case or task the page shows (现在负责)."""

from __future__ import annotations

from typing import Any

from django import template

from jijinan.supervision.board.owners import case_owners_now, task_owners_now

register = template.Library()


@register.inclusion_tag("supervision/board/_owner_now.html")
def case_owner_now(case: Any, deadlines: Any = None) -> dict[str, Any]:
    """``deadlines``: the case's deadlines the page read already (with their owners), so none is read again."""
    return {"owners": case_owners_now(case=case, deadlines=deadlines), "closed": case.closed_at is not None}


@register.inclusion_tag("supervision/board/_owner_now.html")
def task_owner_now(task: Any) -> dict[str, Any]:
    owners = task_owners_now(task=task)
    return {"owners": owners, "closed": not owners}

"""`{% load consultation_tags %}`: whether the case page shows its 报告协商 section to the reader."""

from __future__ import annotations

from typing import Any

from django import template

from jijinan.consultation.permissions import ESCALATION_VIEW
from jijinan.core.permissions import Target, can

register = template.Library()


@register.simple_tag(takes_context=True)
def case_escalations_shown(context: Any, case: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated
                and can(user, ESCALATION_VIEW, Target(region_prefix=case.handling_region.prefix)))

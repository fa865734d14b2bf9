"""`{% load supervision_orders_tags %}`: whether the case page shows its 督办 section to the reader."""

from __future__ import annotations

from typing import Any

from django import template

from jijinan.core.permissions import Target, can
from jijinan.supervision.orders.permissions import ORDER_VIEW

register = template.Library()


@register.simple_tag(takes_context=True)
def case_orders_shown(context: Any, case: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated
                and can(user, ORDER_VIEW, Target(region_prefix=case.handling_region.prefix)))

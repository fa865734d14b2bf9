"""`{% load referrals_tags %}`: the time of a step of a deflection flag's kept history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from jijinan.referrals.deflection.selectors import history_time

register = template.Library()


@register.filter
def step_time(at: Any) -> datetime | None:
    """The stored ISO text of a history step as an aware time: ``{{ h.at|step_time|date:"Y-m-d H:i" }}``
    then reads in Beijing time like every other time of the page."""
    return history_time(at)

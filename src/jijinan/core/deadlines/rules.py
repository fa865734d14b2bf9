"""The deadline engine's pure rules (the input checks and the clock), computed without a database.

The clock rules, shared by the services, the recomputation and the tests:

* ``due_at`` is ``counted_units`` units counted from ``counted_from`` (``workdays.deadline_at``);
  for hours and calendar days ``paused_seconds`` is added on top.
* **Pause / resume.** Hours and calendar days: resuming pushes ``due_at`` by the wall time the
  deadline was paused, to the second. Working days: the working days still left when it was
  paused (those after the pause day, up to the due day; the pause day counts as used) are counted
  again from the resume day, which itself does not count. So a pause that begins and ends on the
  same day does not move a working-day deadline, and one that spans a weekend or a holiday moves
  it only by the working days lost. Either way a pause never shortens a deadline.
* **Extend** by ``extra`` units of the deadline's own unit: always moves ``due_at`` forward.
* A calendar change recomputes working-day deadlines from ``counted_from`` (the start, or the
  last resume): working days already used up before a pause are not counted again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import (
    MAX_COUNT,
    SHANGHAI,
    CalendarSnapshot,
    DeadlineResult,
    DeadlineUnit,
    local_date,
)
from jijinan.core.errors import DomainError

REASON_MAX_LENGTH = 500
PARAMETERS_MAX_BYTES = 10_000


# --- input checks ------------------------------------------------------------------------------


def check_unit(unit: object, *, field: str = "unit") -> str:
    try:
        return str(DeadlineUnit(str(unit)))
    except ValueError:
        raise DomainError.for_field(field, _("期限单位只能是工作日、自然日或小时"),
                                    code="deadline_bad_unit") from None


def check_count(value: object, *, unit: str, field: str, minimum: int = 0) -> int:
    """A whole number of ``unit`` between ``minimum`` and the calendar's maximum."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError.for_field(field, _("须为整数"), code="deadline_bad_count")
    if value < minimum:
        message = (_("不能为负数") if minimum == 0
                   else _("至少为 %(n)s") % {"n": minimum})
        raise DomainError.for_field(field, message, code="deadline_bad_count")
    highest = MAX_COUNT[unit]
    if value > highest:
        raise DomainError.for_field(
            field, _("不能超过 %(n)s %(unit)s") % {"n": highest, "unit": DeadlineUnit(unit).label},
            code="deadline_bad_count")
    return value


def check_reason(reason: object, *, field: str = "reason") -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise DomainError.for_field(field, _("请填写原因"), code="deadline_reason_required")
    if len(text) > REASON_MAX_LENGTH:
        raise DomainError.for_field(field, _("原因最多 %(n)s 个字符") % {"n": REASON_MAX_LENGTH},
                                    code="deadline_reason_too_long")
    return text


def check_parameters(parameters: object) -> dict[str, Any]:
    """The policy parameter versions the caller used: a small JSON object."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise DomainError.for_field("parameters", _("政策参数应为键值对象"),
                                    code="deadline_bad_parameters")
    try:
        text = json.dumps(parameters, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise DomainError.for_field("parameters", _("政策参数只能包含文本、数字、列表和对象"),
                                    code="deadline_bad_parameters") from None
    if len(text.encode()) > PARAMETERS_MAX_BYTES:
        raise DomainError.for_field("parameters", _("政策参数过大"), code="deadline_bad_parameters")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def as_start(start: date | datetime, *, field: str = "start") -> datetime:
    """An aware datetime: a date means its midnight in Shanghai, a naive time is Shanghai time."""
    if isinstance(start, datetime):
        return start if timezone.is_aware(start) else start.replace(tzinfo=SHANGHAI)
    if isinstance(start, date):
        return datetime.combine(start, datetime.min.time(), tzinfo=SHANGHAI)
    raise DomainError.for_field(field, _("起算时间格式不正确"), code="deadline_bad_start")


# --- the clock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """When a deadline runs out, and whether that depends on an unconfirmed calendar year."""

    due_at: datetime
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unconfirmed_years)


@dataclass(frozen=True)
class DeadlineClock:
    """The part of a deadline that decides ``due_at`` (see the module's rules)."""

    unit: str
    counted_from: datetime
    counted_units: int
    paused_seconds: int = 0
    paused_at: datetime | None = None

    @classmethod
    def of(cls, deadline: Any) -> DeadlineClock:
        return cls(unit=deadline.unit, counted_from=deadline.counted_from,
                   counted_units=deadline.counted_units, paused_seconds=deadline.paused_seconds,
                   paused_at=deadline.paused_at)

    def due(self, snapshot: CalendarSnapshot) -> Due:
        result: DeadlineResult = snapshot.deadline_at(self.counted_from, self.counted_units, self.unit)
        if self.unit == DeadlineUnit.WORKING_DAYS:
            return Due(result.due_at, result.unconfirmed_years)
        return Due(result.due_at + timedelta(seconds=self.paused_seconds))

    def paused(self, at: datetime) -> DeadlineClock:
        return replace(self, paused_at=at)

    def resumed(self, at: datetime, snapshot: CalendarSnapshot) -> DeadlineClock:
        """Running again from ``at`` (not before the pause began)."""
        if self.paused_at is None:
            return self
        at = max(at, self.paused_at)
        seconds = self.paused_seconds + int((at - self.paused_at).total_seconds())
        if self.unit != DeadlineUnit.WORKING_DAYS:
            return replace(self, paused_at=None, paused_seconds=seconds)
        due_day = local_date(self.due(snapshot).due_at)
        left = max(0, snapshot.working_days_between(local_date(self.paused_at), due_day).days)
        return DeadlineClock(unit=self.unit, counted_from=at, counted_units=left,
                             paused_seconds=seconds, paused_at=None)

    def extended(self, extra: int) -> DeadlineClock:
        return replace(self, counted_units=self.counted_units + extra)

    def settled(self, at: datetime) -> DeadlineClock:
        """Met or cancelled while paused: the pause ends, the deadline does not move."""
        if self.paused_at is None:
            return self
        seconds = self.paused_seconds + max(0, int((at - self.paused_at).total_seconds()))
        return replace(self, paused_at=None, paused_seconds=seconds)


def due_in_years(years: frozenset[int]) -> list[tuple[datetime, datetime]]:
    """[first instant, first instant of the next year) in Shanghai, for each year."""
    return [(datetime(y, 1, 1, tzinfo=SHANGHAI), datetime(y + 1, 1, 1, tzinfo=SHANGHAI))
            for y in sorted(years)]

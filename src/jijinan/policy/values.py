"""The value kinds of parameters: checking input, the one stored (JSON) form, typed values, display.

Stored forms: money is integer fen; multiples, rates (percent: 70 means 70 %) and numbers are
decimal text ("1.5"), never floats; integers and months are integers; a duration is
``{"count": 15, "unit": "working_days"}``; a band is ``{"min": "1", "max": "3"}``; a boolean is
``true``/``false``. Everything here is pure: no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import MAX_COUNT, DeadlineResult, DeadlineUnit, deadline_at
from jijinan.core.errors import DomainError
from jijinan.policy.choices import ValueKind
from jijinan.policy.errors import PolicyErrorCode

MAX_FEN = 10**12  # ten billion yuan: anything larger is a typing mistake
DECIMAL_PLACES = 4
DECIMAL_LIMITS: dict[str, tuple[Decimal, Decimal]] = {
    ValueKind.MULTIPLE: (Decimal(0), Decimal(1000)),
    ValueKind.RATE: (Decimal(0), Decimal(1000)),
    ValueKind.NUMBER: (Decimal(0), Decimal(10**9)),
    ValueKind.BAND: (Decimal(0), Decimal(1000)),
}
INTEGER_LIMITS: dict[str, tuple[int, int]] = {
    ValueKind.INTEGER: (0, 1_000_000),
    ValueKind.MONTHS: (0, 1200),
}
DEFAULT_UNITS: dict[str, str] = {
    ValueKind.MONEY: "元", ValueKind.RATE: "%", ValueKind.MONTHS: "个月", ValueKind.MULTIPLE: "倍",
    ValueKind.BAND: "倍",
}


@dataclass(frozen=True)
class Duration:
    """A time limit: ``count`` working days, calendar days or hours."""

    count: int
    unit: str

    def deadline_at(self, start: date | datetime) -> DeadlineResult:
        """When the limit counted from ``start`` runs out (over the working-day calendar)."""
        return deadline_at(start, self.count, self.unit)

    def __str__(self) -> str:
        return f"{self.count} {DeadlineUnit(self.unit).label}"


@dataclass(frozen=True)
class Band:
    """An inclusive range of multiples (an amount band, 1–3 × the monthly standard)."""

    min: Decimal
    max: Decimal

    def contains(self, x: Decimal) -> bool:
        return self.min <= x <= self.max


def _bad(field: str, message: str) -> DomainError:
    return DomainError.for_field(field, message, code=PolicyErrorCode.BAD_VALUE)


def plain(d: Decimal) -> str:
    """Decimal text without exponent or trailing zeros: 1.50 → "1.5", 1E+2 → "100"."""
    d = d.normalize()
    if d.as_tuple().exponent > 0:  # type: ignore[operator]
        d = d.quantize(Decimal(1))
    return format(d, "f")


def _decimal(raw: Any, *, kind: str, field: str) -> Decimal:
    low, high = DECIMAL_LIMITS[kind]
    message = _("应为数字，最多 %(n)s 位小数，在 %(low)s 到 %(high)s 之间") % {
        "n": DECIMAL_PLACES, "low": plain(low), "high": plain(high)}
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _bad(field, message)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _bad(field, message)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _bad(field, message) from None
    if not value.is_finite() or not low <= value <= high:
        raise _bad(field, message)
    if value.normalize().as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        raise _bad(field, message)
    return value


def _integer(raw: Any, *, kind: str, field: str) -> int:
    low, high = INTEGER_LIMITS[kind]
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _bad(field, _("应为 %(low)s 到 %(high)s 之间的整数") % {"low": low, "high": high})
    if not low <= raw <= high:
        raise _bad(field, _("应为 %(low)s 到 %(high)s 之间的整数") % {"low": low, "high": high})
    return raw


def _mapping(raw: Any, keys: set[str], *, field: str, shape: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad(field, _("应为 %(shape)s 的形式") % {"shape": shape})
    extra = sorted(set(raw) - keys)
    missing = sorted(keys - set(raw))
    if extra or missing:
        raise _bad(field, _("应为 %(shape)s 的形式") % {"shape": shape})
    return raw


def check_value(kind: str, raw: Any, *, allowed_units: Sequence[str] = (), field: str = "value") -> Any:
    """The stored form of ``raw`` for a parameter of ``kind``; a wrong type, unit or range is refused
    with an error on ``field``."""
    if kind == ValueKind.MONEY:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _bad(field, _("金额应为以分为单位的整数（例如 94500 表示 945.00 元）"))
        if not 0 <= raw <= MAX_FEN:
            raise _bad(field, _("金额应在 0 到 %(max)s 元之间") % {"max": f"{MAX_FEN // 100:,}"})
        return raw
    if kind in DECIMAL_LIMITS and kind != ValueKind.BAND:
        return plain(_decimal(raw, kind=kind, field=field))
    if kind in INTEGER_LIMITS:
        return _integer(raw, kind=kind, field=field)
    if kind == ValueKind.BOOLEAN:
        if not isinstance(raw, bool):
            raise _bad(field, _("应为是或否（true 或 false）"))
        return raw
    if kind == ValueKind.DURATION:
        data = _mapping(raw, {"count", "unit"}, field=field, shape='{"count": 15, "unit": "working_days"}')
        units = list(allowed_units) or list(DeadlineUnit.values)
        if data["unit"] not in units:
            raise _bad(field, _("期限单位应为：%(units)s") % {
                "units": "、".join(f"{DeadlineUnit(u).label}（{u}）" for u in units)})
        count = data["count"]
        limit = MAX_COUNT[data["unit"]]
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= limit:
            raise _bad(field, _("期限应为 0 到 %(limit)s 之间的整数") % {"limit": limit})
        return {"count": count, "unit": str(data["unit"])}
    if kind == ValueKind.BAND:
        data = _mapping(raw, {"min", "max"}, field=field, shape='{"min": "1", "max": "3"}')
        low = _decimal(data["min"], kind=kind, field=field)
        high = _decimal(data["max"], kind=kind, field=field)
        if low > high:
            raise _bad(field, _("区间下限不能大于上限"))
        return {"min": plain(low), "max": plain(high)}
    raise _bad(field, _("未知的取值类型：%(kind)s") % {"kind": kind})


def typed(kind: str, stored: Any) -> Any:
    """The Python value of a stored value: int fen, Decimal, int, bool, Duration or Band."""
    if kind in {ValueKind.MULTIPLE, ValueKind.RATE, ValueKind.NUMBER}:
        return Decimal(stored)
    if kind == ValueKind.DURATION:
        return Duration(count=int(stored["count"]), unit=str(stored["unit"]))
    if kind == ValueKind.BAND:
        return Band(min=Decimal(stored["min"]), max=Decimal(stored["max"]))
    return stored


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 5267400 → "52,674.00"."""
    return f"{Decimal(fen) / 100:,.2f}"


def display(kind: str, stored: Any, unit: str = "") -> str:
    """How a stored value reads on screen, with the definition's unit."""
    unit = unit or DEFAULT_UNITS.get(kind, "")
    if kind == ValueKind.MONEY:
        text = yuan(int(stored))
    elif kind == ValueKind.BOOLEAN:
        return _("是") if stored else _("否")
    elif kind == ValueKind.DURATION:
        return str(typed(kind, stored))
    elif kind == ValueKind.BAND:
        text = f"{stored['min']}–{stored['max']}"
    else:
        text = str(stored)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"

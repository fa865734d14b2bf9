"""The parameters a calculation reads, each use recorded so the decision can cite its version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import local_date
from jijinan.policy.errors import NoValueInForce
from jijinan.policy.lookup import ParameterValue, value
from jijinan.policy.values import Band, Duration


class Params:
    """Parameter values by name for one region and day; ``get`` records every name it serves.

    Built from the lookup (``params_for``) or, in tests, from values held in memory. A calculator
    works on ``fresh()``, a copy with an empty record, so one ``Params`` can serve many
    calculations and each cites only what it read.
    """

    def __init__(self, values: Mapping[str, ParameterValue], *, region_code: str, on: date,
                 lookup: bool = False) -> None:
        self._values = dict(values)
        self.region_code = region_code
        self.on = on
        # With ``lookup``, a name not loaded up front is looked up on first use (and kept), so a
        # calculation needs only the parameters its path reads to be in force.
        self._lookup = lookup
        self._used: dict[str, ParameterValue] = {}

    @classmethod
    def from_values(cls, values: Mapping[str, ParameterValue] | Iterable[ParameterValue], *,
                    region_code: str, on: date) -> Params:
        items = values.values() if isinstance(values, Mapping) else values
        return cls({v.name: v for v in items}, region_code=region_code, on=on)

    def fresh(self) -> Params:
        copy = Params({}, region_code=self.region_code, on=self.on, lookup=self._lookup)
        copy._values = self._values  # shared: values looked up by one calculation serve the next
        return copy

    def names(self) -> frozenset[str]:
        return frozenset(self._values)

    def get(self, name: str) -> ParameterValue:
        found = self._values.get(name)
        if found is None and self._lookup:
            found = self._values[name] = value(name, self.region_code, self.on)
        if found is None:
            message = _("参数 %(name)s 在 %(date)s 对区划 %(region)s 没有生效的取值") % {
                "name": name, "date": self.on.isoformat(), "region": self.region_code}
            raise NoValueInForce(message, name=name, region_code=self.region_code, on=self.on)
        self._used.setdefault(name, found)
        return found

    # Typed accessors: a parameter of the wrong kind is a data error, caught here, not in arithmetic.
    def fen(self, name: str) -> int:
        return _expect(self.get(name), int)

    def decimal(self, name: str) -> Decimal:
        return _expect(self.get(name), Decimal)

    def integer(self, name: str) -> int:
        return _expect(self.get(name), int)

    def flag(self, name: str) -> bool:
        return _expect(self.get(name), bool)

    def band(self, name: str) -> Band:
        return _expect(self.get(name), Band)

    def duration(self, name: str) -> Duration:
        return _expect(self.get(name), Duration)

    def used(self) -> tuple[ParameterValue, ...]:
        """The values read so far, in the order first read."""
        return tuple(self._used.values())


def _expect(found: ParameterValue, kind: type) -> Any:
    v = found.value
    # bool is an int: a boolean where a number is expected (or the reverse) is refused too.
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise TypeError(f"parameter {found.name} is {found.kind}, not {kind.__name__}")
    return v


def params_for(region: Any, on: date | datetime, names: Iterable[str] = ()) -> Params:
    """The parameters in force for ``region`` on ``on`` (through the lookup cache): ``names`` at
    once, any other on its first use.

    A parameter without a value that day raises :class:`NoValueInForce`, whose message names the
    parameter and the date (field ``on``); an unknown name raises ``NotFound``.
    """
    code = region if isinstance(region, str) else str(region.code)
    day = local_date(on)
    return Params({name: value(name, code, day) for name in names}, region_code=code, on=day, lookup=True)

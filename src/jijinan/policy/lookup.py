"""``value(name, region, on)``: the parameter value in force, from a cache every change invalidates.

The pure core is :class:`ParameterTable` (one parameter's versions, by region, sorted by start):
a lookup walks the region's chain (county → city → province; a township or village asks its
county) and bisects each region's periods, so it costs a few dictionary reads and no query.

Tables are loaded per parameter on first use and kept in process memory. Every policy service
invalidates them (``policy_cache_invalidate``) in its transaction and again on commit; other
processes notice through the Django cache key within ``VERSION_CHECK_SECONDS``, or at the latest
after ``CACHE_MAX_AGE_SECONDS`` when that cache is local to each process. This is the approach of
the working-day calendar (``jijinan.core.calendar.workdays``).
"""

from __future__ import annotations

import functools
import time
import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import local_date
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.vocabulary import in_active_language
from jijinan.policy.errors import NoValueInForce, PolicyErrorCode
from jijinan.policy.values import display, typed
from jijinan.regions.choices import PREFIX_LENGTH, RegionLevel

CACHE_MAX_AGE_SECONDS = 60.0
VERSION_CHECK_SECONDS = 1.0
_CACHE_KEY = "jijinan:policy:version"
# The levels that may carry a version, most specific first.
VERSION_LEVELS = (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)


@dataclass(frozen=True)
class ParameterValue:
    """The value in force and the version it came from (a decision stores ``version_id``)."""

    name: str
    kind: str
    value: Any  # typed: int fen, Decimal, int, bool, Duration or Band
    stored: Any  # the JSON form, as the API gives it
    version_id: int
    region_code: str  # the region whose version applied (the asked region or an ancestor)
    effective_from: date
    effective_to: date | None  # exclusive
    citation: str
    basis: str = field(default="", compare=False)
    label: str = field(default="", compare=False)
    label_en: str = field(default="", compare=False)
    unit: str = field(default="", compare=False)
    unit_en: str = field(default="", compare=False)

    def display(self) -> str:
        return display(self.kind, self.stored, in_active_language(self.unit, self.unit_en))

    def to_record(self) -> dict[str, Any]:
        """What a decision stores about a parameter it used."""
        return {"name": self.name, "version_id": self.version_id, "region_code": self.region_code,
                "effective_from": self.effective_from.isoformat(), "value": self.stored}


@dataclass(frozen=True)
class VersionRow:
    """One live (not withdrawn) version, as the table is built from it."""

    id: int
    region_code: str
    stored: Any
    effective_from: date
    effective_to: date | None
    citation: str
    basis: str = ""


@functools.lru_cache(maxsize=16384)
def region_chain(code: str) -> tuple[str, ...]:
    """The region codes a lookup for ``code`` asks, most specific first: its county (or itself when
    it is a county, city or province), then the city, then the province. No query."""
    if len(code) != 12 or not code.isdigit():
        raise DomainError.for_field("region", _("区划代码应为 12 位数字"), code=PolicyErrorCode.BAD_REGION)
    chain: list[str] = []
    for level in VERSION_LEVELS:
        candidate = code[:PREFIX_LENGTH[level]].ljust(12, "0")
        if candidate not in chain:
            chain.append(candidate)
    return tuple(chain)


class ParameterTable:
    """One parameter's live versions by region, each region's periods sorted by start day."""

    def __init__(self, *, name: str, kind: str, rows: Iterable[VersionRow], label: str = "",
                 label_en: str = "", unit: str = "", unit_en: str = "") -> None:
        self.name, self.kind, self.label, self.label_en = name, kind, label, label_en
        self.unit, self.unit_en = unit, unit_en
        grouped: dict[str, list[VersionRow]] = {}
        for row in rows:
            grouped.setdefault(row.region_code, []).append(row)
        self._regions: dict[str, tuple[list[int], list[int | None], list[ParameterValue]]] = {}
        for code, versions in grouped.items():
            versions.sort(key=lambda r: r.effective_from)
            self._regions[code] = (
                [r.effective_from.toordinal() for r in versions],
                [r.effective_to.toordinal() if r.effective_to else None for r in versions],
                [self._value(r) for r in versions],
            )

    def _value(self, row: VersionRow) -> ParameterValue:
        return ParameterValue(
            name=self.name, kind=self.kind, value=typed(self.kind, row.stored), stored=row.stored,
            version_id=row.id, region_code=row.region_code, effective_from=row.effective_from,
            effective_to=row.effective_to, citation=row.citation, basis=row.basis, label=self.label,
            label_en=self.label_en, unit=self.unit, unit_en=self.unit_en)

    def find(self, region_code: str, day: date) -> ParameterValue | None:
        """The version in force on ``day`` for the most specific region of the chain that has one."""
        ordinal = day.toordinal()
        for code in region_chain(region_code):
            periods = self._regions.get(code)
            if periods is None:
                continue
            starts, ends, values = periods
            i = bisect_right(starts, ordinal) - 1
            if i >= 0:
                end = ends[i]
                if end is None or ordinal < end:
                    return values[i]
        return None

    def earliest(self, region_code: str) -> date | None:
        """The first day any version of the region's chain starts (for the error message)."""
        starts = [periods[2][0].effective_from for code in region_chain(region_code)
                  if (periods := self._regions.get(code))]
        return min(starts) if starts else None

    def missing(self, region_code: str, day: date) -> NoValueInForce:
        message = _("参数“%(label)s”（%(name)s）在 %(date)s 对区划 %(region)s 没有生效的取值") % {
            "label": self.label or self.name, "name": self.name, "date": day.isoformat(),
            "region": region_code}
        first = self.earliest(region_code)
        if first is not None and day < first:
            message += _("；最早的取值自 %(first)s 起生效") % {"first": first.isoformat()}
        return NoValueInForce(message, name=self.name, region_code=region_code, on=day)


# --- the process cache -------------------------------------------------------------------------


@dataclass
class _Cache:
    generation: str
    started_at: float
    tables: dict[str, ParameterTable] = field(default_factory=dict)
    complete: bool = False  # every definition is loaded


_state = _Cache(generation="", started_at=-CACHE_MAX_AGE_SECONDS)
_checked_at = -VERSION_CHECK_SECONDS


def _current() -> _Cache:
    """The cache of this process, dropped when another process changed the parameters."""
    global _state, _checked_at
    state = _state
    now = time.monotonic()
    if now - _checked_at < VERSION_CHECK_SECONDS and now - state.started_at < CACHE_MAX_AGE_SECONDS:
        return state
    # A change made in this process has already replaced the cache; the shared key only tells
    # of other processes' changes, so asking it once a second is enough.
    generation = cache.get(_CACHE_KEY) or ""
    _checked_at = now
    if generation != state.generation or now - state.started_at >= CACHE_MAX_AGE_SECONDS:
        state = _Cache(generation=generation, started_at=now)
        _state = state
    return state


def _load(names: Iterable[str] | None) -> dict[str, ParameterTable]:
    """Tables of the named parameters (or of all) from the database: two queries."""
    from jijinan.policy.models import ParameterDefinition, ParameterVersion

    definitions = ParameterDefinition.objects.all()
    if names is not None:
        definitions = definitions.filter(name__in=list(names))
    found = list(definitions.values_list("id", "name", "kind", "label", "label_en", "unit", "unit_en"))
    if not found:
        return {}
    versions = ParameterVersion.objects.filter(withdrawn_at__isnull=True)
    if names is not None:
        versions = versions.filter(definition_id__in=[d[0] for d in found])
    rows: dict[int, list[VersionRow]] = {}
    for pk, definition_id, code, stored, start, end, citation, basis in versions.values_list(
            "id", "definition_id", "region__code", "value", "effective_from", "effective_to", "citation",
            "basis"):
        rows.setdefault(definition_id, []).append(VersionRow(pk, code, stored, start, end, citation, basis))
    return {name: ParameterTable(name=name, kind=kind, rows=rows.get(pk, ()), label=label,
                                 label_en=label_en, unit=unit, unit_en=unit_en)
            for pk, name, kind, label, label_en, unit, unit_en in found}


def parameter_table(name: str) -> ParameterTable:
    """One parameter's table, loaded on first use; an unknown name is refused (404)."""
    state = _current()
    table = state.tables.get(name)
    if table is None:
        # Stored into the cache object read above: if a change replaced it meanwhile, the table
        # lands in the discarded object and the next lookup loads afresh.
        loaded = _load([name])
        table = loaded.get(name)
        if table is None:
            raise NotFound(_("没有名为 %(name)s 的政策参数") % {"name": name},
                           code=PolicyErrorCode.UNKNOWN_PARAMETER)
        state.tables[name] = table
    return table


def all_tables() -> dict[str, ParameterTable]:
    """Every parameter's table (one load of everything, then cached)."""
    state = _current()
    if not state.complete:
        state.tables.update(_load(None))
        state.complete = True
    return state.tables


def policy_cache_invalidate() -> None:
    """Forget the tables here and, through the shared cache key, in other processes."""
    global _state, _checked_at
    generation = uuid.uuid4().hex
    cache.set(_CACHE_KEY, generation, timeout=None)
    _state = _Cache(generation=generation, started_at=time.monotonic())
    _checked_at = time.monotonic()


# --- the functions every other app uses ------------------------------------------------------


def _code(region: Any) -> str:
    return region if isinstance(region, str) else str(region.code)


def value(name: str, region: Any, on: date | datetime) -> ParameterValue:
    """The value of parameter ``name`` in force on ``on`` for ``region`` (a Region or its code),
    with the version used. No version in force (a date before any value) raises
    :class:`NoValueInForce`."""
    table = parameter_table(name)
    code = _code(region)
    day = local_date(on)
    found = table.find(code, day)
    if found is None:
        raise table.missing(code, day)
    return found


def value_or_none(name: str, region: Any, on: date | datetime) -> ParameterValue | None:
    return parameter_table(name).find(_code(region), local_date(on))


def values_in_force(region: Any, on: date | datetime) -> dict[str, ParameterValue | None]:
    """Every parameter's value for ``region`` on ``on`` (None where none is in force)."""
    code, day = _code(region), local_date(on)
    region_chain(code)
    return {name: table.find(code, day) for name, table in all_tables().items()}


def values_of_versions(version_ids: Iterable[int]) -> dict[str, ParameterValue]:
    """The values of exactly these versions (withdrawn or ended ones included), by parameter name:
    what a stored decision read, so that it can be recomputed as it was."""
    from jijinan.policy.models import ParameterVersion

    wanted = sorted(set(version_ids))
    found: dict[str, ParameterValue] = {}
    for v in ParameterVersion.objects.filter(pk__in=wanted).select_related("definition", "region"):
        d = v.definition
        found[d.name] = ParameterValue(
            name=d.name, kind=d.kind, value=typed(d.kind, v.value), stored=v.value, version_id=v.pk,
            region_code=v.region.code, effective_from=v.effective_from, effective_to=v.effective_to,
            citation=v.citation, basis=v.basis, label=d.label, label_en=d.label_en, unit=d.unit,
            unit_en=d.unit_en)
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {p.version_id for p in found.values()})
        raise NotFound(_("决定所用的参数版本 %(ids)s 已不存在") % {"ids": ", ".join(map(str, missing))})
    return found

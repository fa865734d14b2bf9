"""Reads of policy parameters: definitions, version histories, values in force, comparisons.

Parameters are reference data every member of staff may read (``policy.view``, anywhere);
versions are still read through ``restrict`` so that the scope model stays in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jijinan.core.calendar import today_local
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import ScopePaths, get_for_user, restrict
from jijinan.policy.choices import PROGRAM_ORDER, VersionStatus
from jijinan.policy.errors import PolicyErrorCode
from jijinan.policy.lookup import ParameterValue, all_tables, region_chain
from jijinan.policy.models import ParameterDefinition, ParameterVersion
from jijinan.policy.permissions import POLICY_VIEW
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region

VERSION_PATHS = ScopePaths(region="region")
DEFINITION_PATHS = ScopePaths()


def definition_list_for_user(*, user: Any, program: str | None = None, q: str = ""
                             ) -> QuerySet[ParameterDefinition]:
    definitions = restrict(ParameterDefinition.objects.all(), user, POLICY_VIEW, DEFINITION_PATHS)
    if program:
        definitions = definitions.filter(program=program)
    if q.strip():
        text = q.strip()
        definitions = definitions.filter(Q(name__icontains=text) | Q(label__icontains=text)
                                         | Q(label_en__icontains=text))
    return definitions.annotate(
        version_count=Count("versions", filter=Q(versions__withdrawn_at__isnull=True))
    ).order_by("sort_order", "name")


def definition_get_for_user(*, user: Any, name: str) -> ParameterDefinition:
    found = restrict(ParameterDefinition.objects.all(), user, POLICY_VIEW, DEFINITION_PATHS) \
        .filter(name=name).first()
    if found is None:
        raise NotFound(_("没有名为 %(name)s 的政策参数") % {"name": name},
                       code=PolicyErrorCode.UNKNOWN_PARAMETER)
    return found


def status_filter(status: str, *, today: date) -> Q:
    live = Q(withdrawn_at__isnull=True)
    if status == VersionStatus.PENDING:
        return live & Q(effective_from__gt=today)
    if status == VersionStatus.IN_FORCE:
        return live & Q(effective_from__lte=today) & (Q(effective_to__isnull=True) | Q(effective_to__gt=today))
    if status == VersionStatus.ENDED:
        return live & Q(effective_to__lte=today)
    if status == VersionStatus.WITHDRAWN:
        return Q(withdrawn_at__isnull=False)
    raise DomainError.for_field("status", _("状态应为 in_force、pending、ended 或 withdrawn"))


def version_list_for_user(*, user: Any, name: str | None = None, region_code: str | None = None,
                          chain: bool = False, status: str | None = None, today: date | None = None
                          ) -> QuerySet[ParameterVersion]:
    """Versions, newest start first within each parameter; ``chain`` adds the region's ancestors
    (the versions that can apply to it)."""
    versions = restrict(ParameterVersion.objects.select_related(
        "definition", "region", "author", "withdrawn_by", "supersedes"), user, POLICY_VIEW, VERSION_PATHS)
    if name:
        versions = versions.filter(definition__name=name)
    if region_code:
        codes = list(region_chain(region_code)) if chain else [region_code]
        if chain and region_code not in codes:
            codes.insert(0, region_code)
        versions = versions.filter(region__code__in=codes)
    if status:
        versions = versions.filter(status_filter(status, today=today or today_local()))
    return versions.order_by("definition__sort_order", "definition__name", "region__code",
                             "-effective_from", "-id")


def version_get_for_user(*, user: Any, pk: int, action: str = POLICY_VIEW) -> ParameterVersion:
    return get_for_user(ParameterVersion.objects.select_related(
        "definition", "region", "author", "withdrawn_by", "supersedes"), user, action, VERSION_PATHS, pk=pk)


def version_region_choices() -> QuerySet[Region]:
    """The regions a version may be set for: province, cities, counties in use."""
    return Region.objects.filter(
        level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY],
        valid_to__isnull=True).order_by("code")


def region_for_lookup(code: str) -> Region:
    region_chain(code)  # the format
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise DomainError.for_field("region", _("区划代码 %(code)s 不存在") % {"code": code},
                                    code=PolicyErrorCode.BAD_REGION)
    return region


@dataclass(frozen=True)
class ValueRow:
    definition: ParameterDefinition
    value: ParameterValue | None
    region_name: str = ""  # the region whose version applied


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def values_for_region(*, user: Any, region_code: str, on: date) -> list[ValueRow]:
    """Every parameter (in display order) with its value in force for the region on the day."""
    definitions = list(definition_list_for_user(user=user))
    tables = all_tables()
    found = {d.name: tables[d.name].find(region_code, on) if d.name in tables else None for d in definitions}
    names = _region_names({v.region_code for v in found.values() if v})
    rows = []
    for d in definitions:
        value = found[d.name]
        rows.append(ValueRow(d, value, names.get(value.region_code, "") if value else ""))
    return sorted(rows, key=lambda r: (PROGRAM_ORDER.get(r.definition.program, 99), r.definition.sort_order,
                                       r.definition.name))


@dataclass(frozen=True)
class CompareRow:
    definition: ParameterDefinition
    a: ParameterValue | None
    b: ParameterValue | None
    a_region_name: str = ""
    b_region_name: str = ""

    @property
    def sides(self) -> list[tuple[ParameterValue | None, str]]:
        return [(self.a, self.a_region_name), (self.b, self.b_region_name)]

    @property
    def version_changed(self) -> bool:
        return (self.a.version_id if self.a else None) != (self.b.version_id if self.b else None)

    @property
    def value_changed(self) -> bool:
        return (self.a.stored if self.a else None) != (self.b.stored if self.b else None)


def compare_for_region(*, user: Any, region_code: str, date_a: date, date_b: date,
                       changed_only: bool = False) -> list[CompareRow]:
    """Every parameter's value for the region on two days, with the versions used."""
    definitions = list(definition_list_for_user(user=user))
    tables = all_tables()
    pairs = {d.name: (tables[d.name].find(region_code, date_a), tables[d.name].find(region_code, date_b))
             if d.name in tables else (None, None) for d in definitions}
    names = _region_names({v.region_code for pair in pairs.values() for v in pair if v})
    rows = []
    for d in definitions:
        a, b = pairs[d.name]
        row = CompareRow(d, a, b, names.get(a.region_code, "") if a else "", names.get(b.region_code, "") if b else "")
        if not changed_only or row.version_changed:
            rows.append(row)
    return sorted(rows, key=lambda r: (PROGRAM_ORDER.get(r.definition.program, 99), r.definition.sort_order,
                                       r.definition.name))

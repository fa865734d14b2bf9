"""Reads of regions. The division tree is reference data every signed-in user may read."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError, NotFound
from jijinan.regions.choices import RegionLevel
from jijinan.regions.errors import RegionErrorCode as E
from jijinan.regions.models import Region


def region_get(*, code: str) -> Region:
    region = Region.objects.select_related("parent", "successor").filter(code=code).first()
    if region is None:
        raise NotFound(_("区划代码 %(code)s 不存在") % {"code": code}, code=E.UNKNOWN)
    return region


def region_get_active(*, code: str, field: str = "region") -> Region:
    """The region for new work: an unknown or retired code is refused, naming the successor."""
    region = Region.objects.select_related("successor").filter(code=code).first()
    if region is None:
        raise DomainError.for_field(field, _("区划代码 %(code)s 不存在") % {"code": code},
                                    code=E.UNKNOWN)
    if region.valid_to is not None:
        if region.successor is not None:
            message = _("区划 %(name)s（%(code)s）已停用，请改用 %(succ)s（%(succ_code)s）") % {
                "name": region.name, "code": code, "succ": region.successor.name,
                "succ_code": region.successor.code}
        else:
            message = _("区划 %(name)s（%(code)s）已停用") % {"name": region.name, "code": code}
        raise DomainError.for_field(field, message, code=E.RETIRED)
    return region


def region_search(
    *, q: str = "", level: str | None = None, parent_code: str | None = None,
    include_retired: bool = False, on: date | None = None,
) -> QuerySet[Region]:
    """Search by name fragment or code prefix; ordered by code."""
    regions = Region.objects.select_related("parent")
    q = q.strip()
    if q:
        condition = Q(name__icontains=q)
        if q.isdigit():
            condition |= Q(code__startswith=q)
        regions = regions.filter(condition)
    if level:
        regions = regions.filter(level=level)
    if parent_code:
        regions = regions.filter(parent__code=parent_code)
    if not include_retired:
        regions = regions.filter(valid_to__isnull=True)
    if on is not None:
        regions = regions.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    return regions.order_by("code")


def region_children(*, region: Region, include_retired: bool = False) -> QuerySet[Region]:
    children = region.children.annotate(children_count=Count("children"))
    if not include_retired:
        children = children.filter(valid_to__isnull=True)
    return children.order_by("code")


def region_ancestors(*, region: Region) -> list[Region]:
    """From the province down to the region's parent, in one query."""
    codes = [region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9)]
    codes = [c for c in codes if c != region.code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def region_roots() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.PROVINCE).annotate(
        children_count=Count("children")).order_by("code")


def in_subtree(root: Region, *, field: str = "") -> Q:
    """The filter for records under ``root``: ``field`` names the path to a Region (or "")."""
    lookup = f"{field}__prefix__startswith" if field else "prefix__startswith"
    return Q(**{lookup: root.prefix})

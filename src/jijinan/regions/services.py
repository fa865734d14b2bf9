"""Writes on regions: load from CSV (all or nothing), retire a code in favour of its successor."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jijinan.audit.services import audit_record
from jijinan.core.errors import DomainError, RowError, RowErrors
from jijinan.core.pinyin import pinyin_keys
from jijinan.regions.choices import LEVEL_ORDER, PREFIX_LENGTH, RegionLevel, level_of_code
from jijinan.regions.errors import RegionErrorCode as E
from jijinan.regions.models import Region

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
OPTIONAL_COLUMNS = ("population", "valid_from", "valid_to", "successor_code", "synthetic")
MAX_NAME = 100


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def decode_csv_bytes(data: bytes) -> str:
    """Department files come as UTF-8 (with or without BOM) or GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError.for_field("file", _("文件编码无法识别，请保存为 UTF-8 或 GB18030"),
                                code=E.BAD_ENCODING)


def _parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: RegionLevel
    parent_code: str
    population: int | None
    valid_from: date
    valid_to: date | None
    successor_code: str
    synthetic: bool


def _check_rows(reader: csv.DictReader[str], *, valid_from: date) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        errors.append(RowError(1, ",".join(missing), _("缺少必需的列")))
        return [], errors
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        def err(column: str, reason: str, line: int = line) -> None:
            errors.append(RowError(line, column, reason))

        code = (raw.get("code") or "").strip()
        name = (raw.get("name") or "").strip()
        level_text = (raw.get("level") or "").strip()
        parent_code = (raw.get("parent_code") or "").strip()
        if not (len(code) == 12 and code.isdigit()):
            err("code", _("区划代码应为 12 位数字"))
            continue
        if code in seen:
            err("code", _("代码与第 %(line)s 行重复") % {"line": seen[code]})
            continue
        seen[code] = line
        if not name:
            err("name", _("名称不能为空"))
        elif len(name) > MAX_NAME:
            err("name", _("名称不能超过 %(n)s 个字符") % {"n": MAX_NAME})
        if level_text not in RegionLevel.values:
            err("level", _("级别应为 province、city、county、township 或 village"))
            continue
        level = RegionLevel(level_text)
        if level_of_code(code) != level:
            err("level", _("级别与代码不符：该代码表示%(level)s") % {"level": level_of_code(code).label})
            continue
        if level == RegionLevel.PROVINCE and parent_code:
            err("parent_code", _("省级区划不能有上级"))
        if level != RegionLevel.PROVINCE and not parent_code:
            err("parent_code", _("缺少上级代码"))
        population = None
        if (raw.get("population") or "").strip():
            try:
                population = int(raw["population"].strip())
                if population < 0 or population > 200_000_000:
                    raise ValueError
            except ValueError:
                err("population", _("常住人口应为不小于 0 的整数"))
        row_from, row_to = valid_from, None
        try:
            if (raw.get("valid_from") or "").strip():
                row_from = _parse_date(raw["valid_from"])
            if (raw.get("valid_to") or "").strip():
                row_to = _parse_date(raw["valid_to"])
        except ValueError:
            err("valid_from", _("日期格式应为 YYYY-MM-DD"))
        if row_to and row_to < row_from:
            err("valid_to", _("停用日期不能早于启用日期"))
        rows.append(_Row(line, code, name, level, parent_code, population, row_from, row_to,
                         (raw.get("successor_code") or "").strip(),
                         (raw.get("synthetic") or "").strip().lower() in {"1", "true", "yes", "是"}))
    return rows, errors


def regions_load_csv(
    *, text: str, valid_from: date, source: str, synthetic: bool = False,
    progress: Callable[[int, int], None] | None = None, actor: Any = None,
) -> LoadResult:
    """Create or update regions from CSV text; any bad row rejects the whole file.

    Columns: code, name, level, parent_code (required); population, valid_from, valid_to,
    successor_code, synthetic (optional). A parent may come earlier in the file or already exist.
    """
    rows, errors = _check_rows(csv.DictReader(io.StringIO(text)), valid_from=valid_from)
    in_file = {r.code: r for r in rows}
    wanted = {r.parent_code for r in rows} | {r.successor_code for r in rows}
    existing = {r.code: r for r in Region.objects.filter(code__in=set(in_file) | wanted)}
    for r in rows:
        if r.parent_code:
            parent_level = in_file[r.parent_code].level if r.parent_code in in_file else (
                existing[r.parent_code].level if r.parent_code in existing else None)
            if parent_level is None:
                errors.append(RowError(r.line, "parent_code", _("上级代码 %(code)s 不存在")
                                       % {"code": r.parent_code}))
            elif LEVEL_ORDER.index(RegionLevel(parent_level)) != LEVEL_ORDER.index(r.level) - 1 \
                    or not r.code.startswith(r.parent_code[:PREFIX_LENGTH[RegionLevel(parent_level)]]):
                errors.append(RowError(r.line, "parent_code", _("上级代码与本级代码不相符")))
        if r.successor_code and r.successor_code not in in_file and r.successor_code not in existing:
            errors.append(RowError(r.line, "successor_code", _("继任区划代码 %(code)s 不存在")
                                   % {"code": r.successor_code}))
    if errors:
        raise RowErrors(errors)

    created = updated = unchanged = 0
    with transaction.atomic():
        by_code = dict(existing)
        done = 0
        for level in LEVEL_ORDER:  # parents first, so children can point at them
            new: list[Region] = []
            for r in (r for r in rows if r.level == level):
                name_pinyin, name_initials = pinyin_keys(r.name)
                values: dict[str, Any] = {
                    "name": r.name, "name_pinyin": name_pinyin, "name_initials": name_initials,
                    "level": r.level,
                    "parent": by_code[r.parent_code] if r.parent_code else None,
                    "prefix": r.code[:PREFIX_LENGTH[r.level]],
                    "valid_from": r.valid_from, "valid_to": r.valid_to,
                    "synthetic": synthetic or r.synthetic,
                }
                if r.population is not None:
                    values.update(population=r.population, population_synthetic=False)
                current = by_code.get(r.code)
                if current is None:
                    new.append(Region(code=r.code, source=source, **values))
                    continue
                changed = [k for k, v in values.items() if getattr(current, k) != v]
                if changed:
                    for k in changed:
                        setattr(current, k, values[k])
                    current.save(update_fields=[*changed, "updated_at"])
                    updated += 1
                else:
                    unchanged += 1
            for region in Region.objects.bulk_create(new, batch_size=500):
                by_code[region.code] = region
            created += len(new)
            done += sum(1 for r in rows if r.level == level)
            if progress and rows:
                progress(done, len(rows))
        for r in rows:
            if r.successor_code and by_code[r.code].successor_id != by_code[r.successor_code].pk:
                Region.objects.filter(pk=by_code[r.code].pk).update(successor=by_code[r.successor_code])
        if created or updated:
            # One event per file: the file itself is the record of what changed, row by row.
            root = min((r.code for r in rows), default="")
            audit_record(actor=actor, action="regions.load", subject_type="regions.region",
                         subject_id=root, subject_label=source[:200],
                         changes={"created": (None, created), "updated": (None, updated)})
    return LoadResult(created, updated, unchanged)


def region_retire(*, code: str, successor_code: str | None, valid_to: date, actor: Any = None) -> Region:
    """Retire a code on ``valid_to``; records keep pointing at it, new work uses the successor."""
    with transaction.atomic():
        region = Region.objects.select_for_update().filter(code=code).first()
        if region is None:
            raise DomainError.for_field("code", _("区划代码 %(code)s 不存在") % {"code": code},
                                        code=E.UNKNOWN)
        if region.valid_to is not None:
            raise DomainError.for_field("code", _("该区划已于 %(date)s 停用") % {"date": region.valid_to},
                                        code=E.RETIRED)
        if valid_to < region.valid_from:
            raise DomainError.for_field("valid_to", _("停用日期不能早于启用日期"))
        if region.children.filter(valid_to__isnull=True).exists():
            raise DomainError.for_field("code", _("该区划下还有在用的下级区划，请先停用或迁移它们"),
                                        code=E.HAS_ACTIVE_CHILDREN)
        successor = None
        if successor_code:
            successor = Region.objects.filter(code=successor_code).first()
            if successor is None or successor.pk == region.pk:
                raise DomainError.for_field("successor_code", _("继任区划代码无效"),
                                            code=E.UNKNOWN)
            if successor.valid_to is not None:
                raise DomainError.for_field("successor_code", _("继任区划本身已停用"),
                                            code=E.RETIRED)
        region.valid_to = valid_to
        region.successor = successor
        region.save(update_fields=["valid_to", "successor", "updated_at"])
        audit_record(actor=actor, action="regions.retire", subject=region, region_code=region.code,
                     changes={"valid_to": (None, valid_to.isoformat()),
                              "successor": (None, successor.code if successor else None)})
    return region


def regions_fill_synthetic_populations(*, seed_of: Callable[[str], int]) -> int:
    """Give every region without a real population a plausible synthetic one, summed upwards.

    Villages and townships without villages get a figure from ``seed_of(code)``; every higher
    level is the sum of its children, so the tree adds up. Real figures are never replaced.
    """
    regions = list(Region.objects.all())
    children: dict[int | None, list[Region]] = {}
    for r in regions:
        children.setdefault(r.parent_id, []).append(r)
    changed: list[Region] = []

    def fill(region: Region) -> int:
        kids = children.get(region.pk, [])
        if kids:
            figure = sum(fill(k) for k in kids)
        elif region.level == RegionLevel.VILLAGE:
            figure = 1_500 + seed_of(region.code) % 6_500
        else:
            figure = 20_000 + seed_of(region.code) % 100_000
        if region.population is None or region.population_synthetic:
            if region.population != figure:
                region.population = figure
                region.population_synthetic = True
                changed.append(region)
            return figure
        return region.population

    for root in children.get(None, []):
        fill(root)
    Region.objects.bulk_update(changed, ["population", "population_synthetic"], batch_size=500)
    return len(changed)


def rows_to_csv(rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

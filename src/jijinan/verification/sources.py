"""What each data source answers: its typed fields, their checks, and how CSV rows combine.

One description per source serves the entry form, the API body, the CSV import and the report, so
the three ways in agree on names, types and limits. Facts are stored as plain JSON: money in
integer fen, floor areas as decimal text, dates as ISO text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.verification.choices import Source, VehicleUse

MAX_FEN = 10**13  # a hundred billion yuan: anything above is a typing error
MAX_AREA = Decimal("100000")
TEXT_LIMIT = 200
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "无"}


class Kind(StrEnum):
    FEN = "fen"
    BOOL = "bool"
    TEXT = "text"
    AREA = "area"
    DATE = "date"
    USE = "use"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    label: str | Promise
    required: bool = False


@dataclass(frozen=True)
class SourceSpec:
    source: str
    scalars: tuple[FieldSpec, ...] = ()
    list_key: str = ""  # "homes", "vehicles": one entry per item found
    item_label: str | Promise = ""
    items: tuple[FieldSpec, ...] = ()

    @property
    def columns(self) -> list[str]:
        """The CSV columns of this source (besides ``id_number`` / ``household_id``)."""
        return [f.name for f in self.scalars] + [f.name for f in self.items]


_FEN = gettext_lazy("（分）")
SPECS: dict[str, SourceSpec] = {s.source: s for s in (
    SourceSpec(Source.HOUSEHOLD_REGISTRATION, scalars=(
        FieldSpec("members_confirmed", Kind.BOOL, gettext_lazy("家庭成员与户籍一致")),
        FieldSpec("note", Kind.TEXT, gettext_lazy("说明")))),
    SourceSpec(Source.TAX, scalars=(
        FieldSpec("monthly_income_fen", Kind.FEN, gettext_lazy("月收入（分）")),)),
    SourceSpec(Source.SOCIAL_INSURANCE, scalars=(
        FieldSpec("monthly_income_fen", Kind.FEN, gettext_lazy("月缴费工资（分）")),
        FieldSpec("monthly_pension_fen", Kind.FEN, gettext_lazy("月养老金（分）")))),
    SourceSpec(Source.REAL_ESTATE, list_key="homes", item_label=gettext_lazy("住房"), items=(
        FieldSpec("floor_area_m2", Kind.AREA, gettext_lazy("建筑面积（平方米）"), required=True),
        FieldSpec("acquired_on", Kind.DATE, gettext_lazy("取得日期（购买或建造）"), required=True),
        FieldSpec("location", Kind.TEXT, gettext_lazy("坐落")))),
    SourceSpec(Source.BUSINESS_REGISTRATION, scalars=(
        FieldSpec("business_controller", Kind.BOOL, gettext_lazy("担任法定代表人或控股股东")),
        FieldSpec("enterprises", Kind.TEXT, gettext_lazy("市场主体名称")))),
    SourceSpec(Source.HOUSING_FUND, scalars=(
        FieldSpec("balance_fen", Kind.FEN, gettext_lazy("公积金余额（分）")),)),
    SourceSpec(Source.VEHICLES, scalars=(
        FieldSpec("large_farm_machinery", Kind.BOOL, gettext_lazy("有大型农机具")),
        FieldSpec("commercial_boat", Kind.BOOL, gettext_lazy("有营运船舶"))),
        list_key="vehicles", item_label=gettext_lazy("车辆"), items=(
        FieldSpec("use", Kind.USE, gettext_lazy("用途"), required=True),
        FieldSpec("description", Kind.TEXT, gettext_lazy("车辆说明（号牌、车型）")))),
    SourceSpec(Source.BANKS, scalars=(FieldSpec("balance_fen", Kind.FEN, gettext_lazy("存款余额（分）")),)),
    SourceSpec(Source.INSURERS, scalars=(
        FieldSpec("balance_fen", Kind.FEN, gettext_lazy("保单现金价值（分）")),)),
    SourceSpec(Source.SECURITIES, scalars=(
        FieldSpec("balance_fen", Kind.FEN, gettext_lazy("证券资产（分）")),)),
)}
FINANCIAL_SOURCES = (Source.BANKS, Source.INSURERS, Source.SECURITIES)


class FactError(Exception):
    """One bad value: ``field`` names it as the API does (``homes[0].floor_area_m2``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _parse(spec: FieldSpec, raw: Any, field: str, today: date) -> Any:
    kind = spec.kind
    text = raw.strip() if isinstance(raw, str) else raw
    if kind == Kind.BOOL:
        if isinstance(text, bool):
            return text
        if text is None or (isinstance(text, str) and text.lower() in FALSE_WORDS):
            return False
        if isinstance(text, str) and text.lower() in TRUE_WORDS:
            return True
        raise FactError(field, _("%(label)s应填“是”或“否”") % {"label": spec.label})
    if kind == Kind.TEXT:
        value = "" if text is None else str(text)
        if len(value) > TEXT_LIMIT:
            raise FactError(field, _("%(label)s不能超过 %(n)s 个字符") % {"label": spec.label, "n": TEXT_LIMIT})
        return value
    if text is None or text == "":
        if spec.required:
            raise FactError(field, _("请填写%(label)s") % {"label": spec.label})
        return 0 if kind == Kind.FEN else None
    if kind == Kind.FEN:
        if isinstance(text, bool) or not (isinstance(text, int) or (isinstance(text, str) and text.isdigit())):
            raise FactError(field, _("%(label)s应为不小于 0 的整数（单位：分）") % {"label": spec.label})
        amount = int(text)
        if amount < 0:
            raise FactError(field, _("%(label)s应为不小于 0 的整数（单位：分）") % {"label": spec.label})
        if amount > MAX_FEN:
            raise FactError(field, _("%(label)s超出合理范围") % {"label": spec.label})
        return amount
    if kind == Kind.AREA:
        try:
            area = Decimal(str(text))
        except InvalidOperation:
            area = Decimal(-1)
        if not area.is_finite() or area <= 0 or area > MAX_AREA or area != area.quantize(Decimal("0.01")):
            raise FactError(field, _("%(label)s应为大于 0 的数字，最多两位小数") % {"label": spec.label})
        return str(area.quantize(Decimal("0.01")))
    if kind == Kind.DATE:
        try:
            day = text if isinstance(text, date) else date.fromisoformat(str(text))
        except ValueError:
            raise FactError(field, _("%(label)s格式应为 YYYY-MM-DD") % {"label": spec.label}) from None
        if day > today:
            raise FactError(field, _("%(label)s不能晚于今天") % {"label": spec.label})
        return day.isoformat()
    if kind == Kind.USE:
        if text not in VehicleUse.values:
            raise FactError(field, _("%(label)s应为 %(codes)s 之一") % {
                "label": spec.label, "codes": "、".join(VehicleUse.values)})
        return str(text)
    raise AssertionError(kind)


def normalise(source: str, data: Mapping[str, Any], *, today: date | None = None) -> tuple[dict[str, Any],
                                                                                           dict[str, list[str]]]:
    """The stored form of ``data`` for ``source`` and the problems found, by field name."""
    spec = SPECS[source]
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    facts: dict[str, Any] = {}
    known = {f.name for f in spec.scalars} | ({spec.list_key} if spec.list_key else set())
    for name in sorted(set(data) - known):
        errors.setdefault(name, []).append(_("数据来源“%(source)s”没有此项") % {
            "source": Source(source).label})
    for f in spec.scalars:
        try:
            facts[f.name] = _parse(f, data.get(f.name), f.name, today)
        except FactError as exc:
            errors.setdefault(exc.field, []).append(exc.message)
    if spec.list_key:
        raw_items = data.get(spec.list_key) or []
        if not isinstance(raw_items, list):
            errors.setdefault(spec.list_key, []).append(_("应为列表"))
            raw_items = []
        items = []
        for i, raw in enumerate(raw_items):
            item: dict[str, Any] = {}
            if not isinstance(raw, Mapping):
                errors.setdefault(f"{spec.list_key}[{i}]", []).append(_("请求体格式不正确"))
                continue
            for f in spec.items:
                try:
                    item[f.name] = _parse(f, raw.get(f.name), f"{spec.list_key}[{i}].{f.name}", today)
                except FactError as exc:
                    errors.setdefault(exc.field, []).append(exc.message)
            items.append(item)
        facts[spec.list_key] = items
    return facts, errors


def parse_row(source: str, row: Mapping[str, str], *, today: date) -> tuple[dict[str, Any], list[FactError]]:
    """One CSV row as partial facts. A row whose item columns are all empty adds no item (a
    household with no home or car still gets its answer)."""
    spec = SPECS[source]
    problems: list[FactError] = []
    facts: dict[str, Any] = {}
    for f in spec.scalars:
        try:
            facts[f.name] = _parse(f, row.get(f.name, ""), f.name, today)
        except FactError as exc:
            problems.append(exc)
    if spec.list_key:
        facts[spec.list_key] = []
        if any((row.get(f.name) or "").strip() for f in spec.items):
            item: dict[str, Any] = {}
            for f in spec.items:
                try:
                    item[f.name] = _parse(f, row.get(f.name, ""), f.name, today)
                except FactError as exc:
                    problems.append(exc)
            facts[spec.list_key].append(item)
    return facts, problems


def merge(source: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two members' answers as one household's: money adds up, a "yes" wins, lists join."""
    spec = SPECS[source]
    merged = dict(a)
    for f in spec.scalars:
        x, y = a.get(f.name), b.get(f.name)
        if f.kind == Kind.FEN:
            merged[f.name] = int(x or 0) + int(y or 0)
        elif f.kind == Kind.BOOL:
            merged[f.name] = bool(x) or bool(y)
        else:
            parts = [p for p in (x, y) if p]
            merged[f.name] = "；".join(dict.fromkeys(parts))[:TEXT_LIMIT]
    if spec.list_key:
        merged[spec.list_key] = [*a.get(spec.list_key, []), *b.get(spec.list_key, [])]
    return merged


def fact_lines(source: str, facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for a page or the printed report; money shown in yuan."""
    spec = SPECS[source]
    lines: list[tuple[str, str]] = []

    def show(f: FieldSpec, value: Any) -> str:
        if f.kind == Kind.FEN:
            return _("%(y)s 元") % {"y": f"{Decimal(int(value or 0)) / 100:,.2f}"}
        if f.kind == Kind.BOOL:
            return _("是") if value else _("否")
        if f.kind == Kind.USE:
            return str(VehicleUse(value).label) if value in VehicleUse.values else str(value)
        return str(value) if value not in (None, "") else "—"

    for f in spec.scalars:
        label = str(f.label).replace(str(_FEN), "")
        lines.append((label, show(f, facts.get(f.name))))
    if spec.list_key:
        items = facts.get(spec.list_key) or []
        if not items:
            lines.append((str(spec.item_label), _("无")))
        for i, item in enumerate(items, 1):
            text = "；".join(f"{str(f.label).replace(str(_FEN), '')}：{show(f, item.get(f.name))}"
                            for f in spec.items)
            lines.append((f"{spec.item_label} {i}", text))
    return lines

"""Checking the rows of a department file against its source's mapping: each cell becomes a
typed value (dates in the usual Chinese office formats, yuan to fen, checked ID numbers) or a
row error naming the row, the column and the reason, in Chinese."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError, RowError
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import InvalidIdNumber, mask_id_number, mask_phone, normalise_phone, validate_id_number
from jijinan.exchange.choices import ColumnType
from jijinan.exchange.errors import ExchangeErrorCode as E
from jijinan.exchange.reading import Cell, FileProblem
from jijinan.exchange.sources import Column, Source, normalise_header
from jijinan.regions.models import Region
from jijinan.registry.models import ID_NUMBER_PURPOSE

MAX_FEN = 10**13  # a hundred billion yuan: anything above is a typing error
EARLIEST = date(1900, 1, 1)
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_FIRST_OR_SHORT = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{2}[-/.]\d{1,2}[-/.]\d{1,2}")
_MONEY = re.compile(r"-?\d+(?:\.\d+)?")
_MONEY_NOISE = re.compile(r"[,，\s¥￥元]")


class CellError(Exception):
    """One cell's problem; the caller adds the row and column."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Prepared:
    """One valid row as it will be stored."""

    row: int
    values: dict[str, Any]
    id_number: str  # canonical, or "" when the row carries none
    id_index: str
    region_code: str


def _text_of(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(" ")
    return str(cell).strip()


def parse_date(cell: Cell) -> date:
    """A date from the formats departments use: 2024-01-05, 2024/1/5, 2024.1.5, 20240105,
    2024年1月5日, a date-time, an Excel date cell or an Excel serial number."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        # An Excel cell holding a date as its serial number (formatting lost).
        if not 1 <= cell < 80000:
            raise CellError(_("日期 %(value)s 无法识别") % {"value": cell})
        return EXCEL_EPOCH + timedelta(days=int(cell))
    text = str(cell).strip()
    match = _ISO.fullmatch(text) or _CHINESE.fullmatch(text) or _COMPACT.fullmatch(text)
    if match is None:
        if _DAY_FIRST_OR_SHORT.fullmatch(text):
            raise CellError(_("日期 %(value)s 的年、月、日顺序不明确，请写成 2024-01-05 或 2024年1月5日") % {
                "value": text})
        raise CellError(_("日期 %(value)s 无法识别，请写成 2024-01-05、2024/1/5、20240105 或 2024年1月5日") % {
            "value": text})
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_("日期 %(value)s 不存在") % {"value": text}) from None


def parse_fen(cell: Cell) -> int:
    """Yuan with at most two decimals ("1,234.50", "¥1234", "1234元") → integer fen."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        amount = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
    else:
        text = _MONEY_NOISE.sub("", str(cell))
        if not _MONEY.fullmatch(text):
            raise CellError(_("金额 %(value)s 不是数字") % {"value": str(cell).strip()})
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(_("金额 %(value)s 不是数字") % {"value": str(cell).strip()}) from None
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise CellError(_("金额 %(value)s 超过两位小数") % {"value": _text_of(cell)})
    if fen < 0:
        raise CellError(_("金额不能为负数"))
    if fen > MAX_FEN:
        raise CellError(_("金额 %(value)s 过大，请核对") % {"value": _text_of(cell)})
    return int(fen)


class RowChecker:
    """Checks one file's rows for one source inside one region; remembers what it has seen so a
    repeated row names its first occurrence."""

    def __init__(self, source: Source, *, region: Region, today: date) -> None:
        self.source = source
        self.region = region
        self.today = today
        self.columns: list[Column | None] = []
        self._seen: dict[Any, int] = {}
        # Every region code of the tree under the batch's region, with its level: a dict lookup
        # per row instead of a query.
        self._regions = dict(Region.objects.filter(prefix__startswith=region.prefix, valid_to__isnull=True)
                             .values_list("code", "level"))

    def map_header(self, header: list[str]) -> None:
        """Which column each cell position holds; a missing required or unknown column, or a
        column given twice, rejects the file."""
        problems: list[str] = []
        seen: dict[str, str] = {}
        columns: list[Column | None] = []
        extra = []
        for name in header:
            if not name:
                columns.append(None)  # an unnamed column: its cells must stay empty (checked per row)
                continue
            column = self.source.by_name.get(normalise_header(name))
            if column is None:
                extra.append(name)
                columns.append(None)
                continue
            if column.key in seen:
                problems.append(_("“%(a)s”和“%(b)s”都是“%(header)s”列，只能保留一个") % {
                    "a": seen[column.key], "b": name, "header": column.header})
            seen[column.key] = name
            columns.append(column)
        missing = [c.header for c in self.source.columns if c.required and c.key not in seen]
        if missing:
            raise FileProblem(_("缺少必需的列：%(columns)s（表头须包含：%(all)s）") % {
                "columns": "、".join(missing), "all": "、".join(self.source.headers)}, code=E.MISSING_COLUMN)
        if extra:
            raise FileProblem(_("有无法识别的列：%(columns)s。“%(source)s”的列为：%(all)s") % {
                "columns": "、".join(extra), "source": self.source.name, "all": "、".join(self.source.headers)},
                code=E.EXTRA_COLUMN)
        if problems:
            raise FileProblem("；".join(problems), code=E.DUPLICATE_COLUMN)
        self.columns = columns

    def check(self, number: int, cells: list[Cell]) -> Prepared | list[RowError]:
        errors: list[RowError] = []
        values: dict[str, Any] = {}
        if len(cells) > len(self.columns) and any(_text_of(c) for c in cells[len(self.columns):]):
            errors.append(RowError(number, "", _("该行有 %(n)s 列，多于表头的 %(m)s 列") % {
                "n": len(cells), "m": len(self.columns)}))
        for position, column in enumerate(self.columns):
            cell = cells[position] if position < len(cells) else None
            if column is None:
                if _text_of(cell):
                    errors.append(RowError(number, "", _("第 %(n)s 列没有表头，却填写了内容") % {"n": position + 1}))
                continue
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if column.required:
                    errors.append(RowError(number, column.header, _("必填项为空")))
                values[column.key] = None
                continue
            try:
                values[column.key] = self._convert(column, cell)
            except CellError as exc:
                errors.append(RowError(number, column.header, exc.reason))
        if errors:
            return errors
        id_check = values.get("id_number")
        canonical = id_check.canonical if id_check is not None else ""
        values["id_number"] = canonical or None
        values["_id_check"] = id_check
        duplicate = self._duplicate(number, values)
        if duplicate:
            return [duplicate]
        return Prepared(row=number, values=values, id_number=canonical,
                        id_index=crypto.blind_index(canonical, purpose=ID_NUMBER_PURPOSE) if canonical else "",
                        region_code=values.get("region_code") or self.region.code)

    def _duplicate(self, number: int, values: dict[str, Any]) -> RowError | None:
        if self.source.unique:
            key: Any = tuple(values.get(k) for k in self.source.unique)
            if all(v is None for v in key):
                return None
            headers = "、".join(self.source.column(k).header for k in self.source.unique)  # type: ignore[union-attr]
        else:
            # The values come in the file's column order, the same for every row: no sorting needed.
            plain = tuple(v for k, v in values.items() if k[0] != "_")
            key = hashlib.blake2b(repr(plain).encode(), digest_size=16).digest()
            headers = ""
        first = self._seen.setdefault(key, number)
        if first == number:
            return None
        if headers:
            return RowError(number, headers, _("与第 %(row)s 行重复（%(columns)s相同）") % {
                "row": first, "columns": headers})
        return RowError(number, "", _("与第 %(row)s 行完全重复") % {"row": first})

    def _convert(self, column: Column, cell: Cell) -> Any:
        kind = column.type
        if kind == ColumnType.TEXT:
            text = _text_of(cell)
            if column.max_length and len(text) > column.max_length:
                raise CellError(_("不能超过 %(n)s 个字符") % {"n": column.max_length})
            return text
        if kind == ColumnType.ID_NUMBER:
            if isinstance(cell, float) or (isinstance(cell, int) and len(str(cell)) > 15):
                raise CellError(_("身份证号被 Excel 存成了数字，后几位已丢失；请把该列设为“文本”后重新填写"))
            try:
                return validate_id_number(_text_of(cell), field=column.key, today=self.today)
            except InvalidIdNumber as exc:
                raise CellError(str(exc.message)) from None
        if kind == ColumnType.DATE:
            day = parse_date(cell)
            if day < EARLIEST:
                raise CellError(_("日期 %(value)s 早于 1900 年") % {"value": day.isoformat()})
            if column.not_future and day > self.today:
                raise CellError(_("日期 %(value)s 晚于今天") % {"value": day.isoformat()})
            return day
        if kind == ColumnType.MONEY_YUAN:
            return parse_fen(cell)
        if kind == ColumnType.INTEGER:
            text = _text_of(cell)
            if not re.fullmatch(r"-?\d+", text):
                raise CellError(_("%(value)s 不是整数") % {"value": text})
            number = int(text)
            if column.min is not None and number < column.min:
                raise CellError(_("不能小于 %(n)s") % {"n": column.min})
            if column.max is not None and number > column.max:
                raise CellError(_("不能大于 %(n)s") % {"n": column.max})
            return number
        if kind == ColumnType.CHOICE:
            text = _text_of(cell)
            if text in column.choices:
                return column.choices[text]
            if text in column.choices.values():
                return text
            raise CellError(_("“%(value)s”不是可选的值（可选：%(choices)s）") % {
                "value": text, "choices": "、".join(column.choices)})
        if kind == ColumnType.REGION_CODE:
            return self._region_code(column, _text_of(cell))
        if kind == ColumnType.PHONE:
            try:
                return normalise_phone(_text_of(cell), field=column.key)
            except DomainError as exc:
                raise CellError(str(exc.message)) from None
        raise AssertionError(kind)

    def _region_code(self, column: Column, code: str) -> str:
        if not re.fullmatch(r"\d{12}", code):
            raise CellError(_("区划代码应为 12 位数字，当前为“%(value)s”") % {"value": code})
        if not code.startswith(self.region.prefix):
            raise CellError(_("区划 %(code)s 不在本次导入的区划（%(region)s）范围内") % {
                "code": code, "region": self.region.name})
        level = self._regions.get(code)
        if level is None:
            raise CellError(_("区划代码 %(code)s 不在区划库中或已停用") % {"code": code})
        if column.levels and level not in column.levels:
            raise CellError(_("区划 %(code)s 须为乡镇（街道）或村（社区）") % {"code": code})
        return code


def display_values(source: Source, prepared: Prepared) -> dict[str, str]:
    """A valid row as the preview shows it: header → value, the ID number masked, money in yuan."""
    shown: dict[str, str] = {}
    for column in source.columns:
        value = prepared.values.get(column.key)
        if value is None:
            text = ""
        elif column.type == ColumnType.ID_NUMBER:
            text = mask_id_number(value)
        elif column.type == ColumnType.PHONE:
            text = mask_phone(value)
        elif column.type == ColumnType.MONEY_YUAN:
            text = f"{value // 100}.{value % 100:02d}"
        elif column.type == ColumnType.CHOICE:
            labels = {v: k for k, v in reversed(list(column.choices.items()))}
            text = labels.get(value, value)
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = str(value)
        shown[column.header] = text
    return shown

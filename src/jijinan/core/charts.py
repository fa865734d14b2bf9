"""Charts drawn on the server as SVG (bar, stacked bar, line), each with the table of its figures.

No script runs and nothing is fetched: the markup uses presentation attributes only (no ``style``
attribute, which the Content-Security-Policy forbids), so the same chart shows on a page, prints,
and goes into the WeasyPrint PDFs. A chart is 360 units wide and scales with its container, so it
reads at about its own size on a 390-pixel phone.

Bars are horizontal: Chinese names of regions and offices are long, and a row per category stays
readable however many there are. A label longer than the label column is cut with "…"; the full
label and the figure are in the row's ``<title>`` and in the table beneath the chart.

Values are plain numbers in a :class:`Unit`: counts, shares (a fraction, shown in per cent),
money in integer fen (shown in 元), working days or hours. Negative values are refused: every
figure charted here is a count, an amount or a duration.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from html import escape
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core import exports

Number = int | float | Decimal

WIDTH = 360
FONT_FAMILY = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
TEXT = "#1d2530"
MUTED = "#5b6676"
GRID = "#d8dde4"
# Every colour has a contrast of at least 4.5:1 on white (WCAG 1.4.11 asks 3:1 of graphics).
PALETTE = ("#1f5fae", "#b3261e", "#9a6200", "#1b7a3d", "#6b3fa0", "#4a5563")
TONES = {"info": "#1f5fae", "bad": "#b3261e", "warn": "#9a6200", "ok": "#1b7a3d", "neutral": "#4a5563"}
# Lines differ by dash as well as by colour, so they stay apart in grey print.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")

# Horizontal bars: the label column, the plot, the room for the value after a bar.
LABEL_RIGHT = 88
LABEL_HALF_EMS = 14  # 7 Chinese characters at 12 units
PLOT_X0 = 96
PLOT_WIDTH = 180
ROW_HEIGHT = 24
BAR_HEIGHT = 14
LEGEND_HEIGHT = 20
AXIS_HEIGHT = 22
# Line charts.
LINE_X0 = 52
LINE_X1 = 332  # room for half of the last category's label
LINE_PLOT_HEIGHT = 150
LINE_LABEL_HALF_EMS = 10
TARGET_INTERVALS = 4
ITEM_HEADER = gettext_lazy("项目")
TIME_HEADER = gettext_lazy("时间")
DESC_MAX_ITEMS = 12


class Unit(StrEnum):
    COUNT = "count"
    SHARE = "share"  # a fraction 0…1, shown in per cent
    FEN = "fen"  # integer fen, shown in 元
    WORKING_DAYS = "working_days"
    HOURS = "hours"


def unit_label(unit: Unit) -> str:
    """The unit as the table's caption and the description name it."""
    return {Unit.COUNT: _("件"), Unit.SHARE: "%", Unit.FEN: _("元"), Unit.WORKING_DAYS: _("个工作日"),
            Unit.HOURS: _("小时")}[unit]


@dataclass(frozen=True)
class Series:
    """One named series of (label, value) points; ``tone`` picks its colour (info, bad, warn, ok, neutral)."""

    name: str | Promise
    points: Sequence[tuple[str | Promise, Number]]
    tone: str = ""


# --- numbers ---------------------------------------------------------------------------------------------


def _checked(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"a chart value must be a number, not {value!r}")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"a chart value must be finite, not {value!r}")
    if number < 0:
        raise ValueError(f"a chart value must not be negative: {value!r}")
    return number


def display_value(value: Decimal, unit: Unit) -> Decimal:
    """The value in the unit it is shown in: fen → 元, a share → per cent."""
    if unit == Unit.FEN:
        return value / 100
    if unit == Unit.SHARE:
        return value * 100
    return value


def _plain(number: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def format_value(value: Decimal | None, unit: Unit) -> str:
    """A figure as the table and the labels show it: 1,234 / 12.5% / 1,500.00 元 / 3 个工作日."""
    if value is None:
        return "—"
    shown = display_value(value, unit)
    if unit == Unit.FEN:
        return _("%(amount)s 元") % {"amount": _plain(shown, 2)}
    if unit == Unit.SHARE:
        return f"{_plain(shown, 1)}%"
    text = _plain(shown, 0) if shown == shown.to_integral_value() else _plain(shown, 1)
    if unit == Unit.WORKING_DAYS:
        return _("%(n)s 个工作日") % {"n": text}
    if unit == Unit.HOURS:
        return _("%(n)s 小时") % {"n": text}
    return text


def nice_ticks(maximum: Decimal, *, whole: bool) -> list[Decimal]:
    """Axis ticks from 0 to at least ``maximum`` at a step of 1, 2 or 5 × 10ⁿ, about four
    intervals; whole steps only for counts. An all-zero chart gets the axis 0 … 1."""
    if maximum <= 0:
        return [Decimal(0), Decimal(1)]
    raw = maximum / TARGET_INTERVALS
    exponent = int(raw.log10().to_integral_value(rounding=ROUND_FLOOR))
    fraction = raw / Decimal(10) ** exponent
    nice = next(n for n in (1, 2, 5, 10) if fraction <= n)
    step = Decimal(nice) * Decimal(10) ** exponent
    if whole and step < 1:
        step = Decimal(1)
    intervals = int((maximum / step).to_integral_value(rounding=ROUND_CEILING))
    return [(step * i).normalize() for i in range(intervals + 1)]


def _tick_text(tick: Decimal, unit: Unit) -> str:
    exponent = tick.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    text = _plain(tick, min(places, 2))
    return f"{text}%" if unit == Unit.SHARE else text


def _coordinate(number: float) -> str:
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --- labels ----------------------------------------------------------------------------------------------


def _half_ems(char: str) -> int:
    return 2 if ord(char) > 0x2E7F else 1


def truncate(label: str, half_ems: int) -> str:
    """``label`` cut to fit ``half_ems`` (a Chinese character counts two), ending in "…" when cut."""
    if sum(_half_ems(c) for c in label) <= half_ems:
        return label
    out, used = "", 0
    for char in label:
        if used + _half_ems(char) > half_ems - 2:
            break
        out += char
        used += _half_ems(char)
    return out + "…"


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


# --- the chart -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG (``{{ chart }}`` in a template), the figures and their table."""

    kind: str
    title: str
    unit: Unit
    category_header: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[Decimal | None, ...]], ...]
    description: str
    svg: SafeString
    chart_id: str
    totals: bool = False
    total_header: str = ""
    ticks: tuple[Decimal, ...] = field(default=())

    def __html__(self) -> SafeString:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    @property
    def empty(self) -> bool:
        return not self.categories

    @property
    def unit_text(self) -> str:
        return unit_label(self.unit)

    @property
    def headers(self) -> list[str]:
        names = [name for name, _values in self.series]
        return [self.category_header, *names, *([self.total_header or _("合计")] if self.totals else [])]

    def _row_total(self, index: int) -> Decimal:
        return sum((values[index] or Decimal(0) for _name, values in self.series), Decimal(0))

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table beneath the chart: each category with its figures, formatted."""
        out = []
        for i, category in enumerate(self.categories):
            cells = [format_value(values[i], self.unit) for _name, values in self.series]
            if self.totals:
                cells.append(format_value(self._row_total(i), self.unit))
            out.append((category, cells))
        return out

    def export_spec(self) -> exports.ExportSpec:
        kind = exports.ColumnKind.MONEY_FEN if self.unit == Unit.FEN else exports.ColumnKind.NUMBER
        suffix = _("（%(unit)s）") % {"unit": self.unit_text}
        columns = [exports.Column("category", self.category_header)]
        columns += [exports.Column(f"s{i}", f"{name}{suffix}", kind) for i, (name, _v) in enumerate(self.series)]
        if self.totals:
            columns.append(exports.Column("total", f"{self.total_header or _('合计')}{suffix}", kind))
        return exports.ExportSpec(title=self.title, subject_type="core.chart", columns=columns, fields=["figures"])

    def export_rows(self) -> list[dict[str, Any]]:
        """One mapping a category, keyed as :meth:`export_spec`'s columns: fen stay fen (the
        workbook shows 元), a share is written in per cent."""
        def cell(value: Decimal | None) -> Any:
            if value is None:
                return None
            if self.unit == Unit.FEN:
                return int(value)
            return float(display_value(value, self.unit))
        out = []
        for i, category in enumerate(self.categories):
            row: dict[str, Any] = {"category": category}
            for j, (_name, values) in enumerate(self.series):
                row[f"s{j}"] = cell(values[i])
            if self.totals:
                row["total"] = cell(self._row_total(i))
            out.append(row)
        return out


def chart_export(*, actor: Any, chart: Chart, filters: Mapping[str, str], reason: str = "") -> exports.ExportFile:
    """The chart's table as a workbook, logged like every export."""
    rows = chart.export_rows()
    return exports.export_list(actor=actor, spec=chart.export_spec(), rows=rows, count=len(rows),
                               filters=filters, masked=True, reason=reason)


# --- drawing ---------------------------------------------------------------------------------------------


def _collect(series: Sequence[Series]) -> tuple[list[str], list[tuple[str, list[Decimal | None]]]]:
    """The categories in the order they first appear, and each series' value for each (None if absent)."""
    categories: list[str] = []
    seen: dict[str, int] = {}
    for s in series:
        for label, _value in s.points:
            if str(label) not in seen:
                seen[str(label)] = len(categories)
                categories.append(str(label))
    columns: list[tuple[str, list[Decimal | None]]] = []
    for s in series:
        values: list[Decimal | None] = [None] * len(categories)
        for label, value in s.points:
            if values[seen[str(label)]] is not None:
                raise ValueError(f"the label {label!r} appears twice in the series {s.name!s}")
            values[seen[str(label)]] = _checked(value)
        columns.append((str(s.name), values))
    return categories, columns


def _colour(index: int, series: Series) -> str:
    return TONES.get(series.tone, PALETTE[index % len(PALETTE)])


def _chart_id(kind: str, title: str, categories: Sequence[str], columns: Sequence[Any]) -> str:
    digest = hashlib.sha1(repr((kind, title, list(categories), columns)).encode(), usedforsecurity=False)
    return "chart-" + digest.hexdigest()[:10]


def _describe(kind_text: str, unit: Unit, categories: Sequence[str],
              columns: Sequence[tuple[str, Sequence[Decimal | None]]]) -> str:
    if not categories:
        return _("%(kind)s：暂无数据。") % {"kind": kind_text}
    parts = []
    for i, category in enumerate(categories[:DESC_MAX_ITEMS]):
        if len(columns) == 1:
            parts.append(f"{category} {format_value(columns[0][1][i], unit)}")
        else:
            inner = _("，").join(f"{name} {format_value(values[i], unit)}" for name, values in columns)
            parts.append(_("%(category)s（%(figures)s）") % {"category": category, "figures": inner})
    more = ""
    if len(categories) > DESC_MAX_ITEMS:
        more = _("等，共 %(n)s 项") % {"n": len(categories)}
    text = _("%(kind)s，单位：%(unit)s。") % {"kind": kind_text, "unit": unit_label(unit)}
    return text + _("；").join(parts) + more + _("。")


def _svg_open(chart_id: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {_coordinate(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{_e(FONT_FAMILY)}" font-size="12" '
        f'fill="{TEXT}">',
        f'<title id="{chart_id}-title">{_e(title)}</title>',
        f'<desc id="{chart_id}-desc">{_e(description)}</desc>',
    ]


def _no_data(chart_id: str, title: str, description: str) -> SafeString:
    out = _svg_open(chart_id, 60, title, description)
    out.append(f'<text x="{WIDTH // 2}" y="34" text-anchor="middle" fill="{MUTED}">{_e(_("暂无数据"))}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308  (every text above went through _e)


def _legend(series: Sequence[Series], *, line: bool) -> list[str]:
    out = ['<g class="chart-legend">']
    x = 0.0
    for i, s in enumerate(series):
        colour = _colour(i, s)
        if line:
            dash = DASHES[i % len(DASHES)]
            out.append(f'<line x1="{_coordinate(x)}" y1="9" x2="{_coordinate(x + 16)}" y2="9" stroke="{colour}" '
                       f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
        else:
            out.append(f'<rect x="{_coordinate(x)}" y="3" width="12" height="12" fill="{colour}"/>')
        name = truncate(str(s.name), 12)
        out.append(f'<text x="{_coordinate(x + 20)}" y="14">{_e(name)}</text>')
        x += 28 + sum(_half_ems(c) for c in name) * 6
    out.append("</g>")
    return out


def _horizontal(kind: str, kind_text: str, *, title: str, series: Sequence[Series], unit: Unit,
                category_header: str, stacked: bool, total_header: str = "") -> Chart:
    categories, columns = _collect(series)
    chart_id = _chart_id(kind, title, categories, columns)
    description = _describe(kind_text, unit, categories, columns)
    frozen = tuple((name, tuple(values)) for name, values in columns)
    if not categories:
        return Chart(kind=kind, title=title, unit=unit, category_header=category_header, categories=(),
                     series=frozen, description=description, svg=_no_data(chart_id, title, description),
                     chart_id=chart_id, totals=stacked and len(columns) > 1, total_header=total_header)
    totals = [sum((values[i] or Decimal(0) for _n, values in columns), Decimal(0)) for i in range(len(categories))]
    ticks = nice_ticks(display_value(max(totals), unit), whole=unit == Unit.COUNT)
    top = ticks[-1]
    legend = len(series) > 1
    y0 = LEGEND_HEIGHT if legend else 4
    plot_bottom = y0 + len(categories) * ROW_HEIGHT
    height = plot_bottom + AXIS_HEIGHT
    out = _svg_open(chart_id, height, title, description)
    if legend:
        out += _legend(series, line=False)
    out.append(f'<g class="chart-grid" stroke="{GRID}" stroke-width="1">')
    for tick in ticks:
        x = PLOT_X0 + float(tick / top) * PLOT_WIDTH
        out.append(f'<line x1="{_coordinate(x)}" y1="{y0}" x2="{_coordinate(x)}" y2="{plot_bottom}"/>')
    out.append("</g>")
    out.append(f'<g class="chart-ticks" fill="{MUTED}" font-size="11" text-anchor="middle">')
    for tick in ticks:
        x = PLOT_X0 + float(tick / top) * PLOT_WIDTH
        out.append(f'<text x="{_coordinate(x)}" y="{plot_bottom + 15}">{_e(_tick_text(tick, unit))}</text>')
    out.append("</g>")
    for i, category in enumerate(categories):
        y = y0 + i * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        figures = "，".join(f"{name} {format_value(values[i], unit)}" for name, values in columns) \
            if len(columns) > 1 else format_value(columns[0][1][i], unit)
        out.append(f'<g class="chart-row" data-label="{_e(category)}"><title>{_e(category)}：{_e(figures)}</title>')
        out.append(f'<text x="{LABEL_RIGHT}" y="{_coordinate(y + 16)}" text-anchor="end">'
                   f'{_e(truncate(category, LABEL_HALF_EMS))}</text>')
        x = float(PLOT_X0)
        for j, (name, values) in enumerate(columns):
            value = values[i] or Decimal(0)
            length = float(display_value(value, unit) / top) * PLOT_WIDTH
            if length > 0:
                out.append(f'<rect class="chart-bar" x="{_coordinate(x)}" y="{_coordinate(bar_y)}" '
                           f'width="{_coordinate(length)}" height="{BAR_HEIGHT}" fill="{_colour(j, series[j])}" '
                           f'stroke="#ffffff" stroke-width="{1 if stacked else 0}" data-series="{_e(name)}" '
                           f'data-value="{_e(value)}"/>')
            x += length
        out.append(f'<text class="chart-value" x="{_coordinate(x + 4)}" y="{_coordinate(y + 16)}" font-size="11">'
                   f'{_e(format_value(totals[i], unit))}</text></g>')
    out.append(f'<line x1="{PLOT_X0}" y1="{y0}" x2="{PLOT_X0}" y2="{plot_bottom}" stroke="{MUTED}" stroke-width="1"/>')
    out.append("</svg>")
    return Chart(kind=kind, title=title, unit=unit, category_header=category_header,
                 categories=tuple(categories), series=frozen, description=description,
                 svg=mark_safe("".join(out)),  # noqa: S308  (every text above went through _e)
                 chart_id=chart_id, totals=stacked and len(columns) > 1, total_header=total_header,
                 ticks=tuple(ticks))


def bar_chart(*, title: str | Promise, data: Sequence[tuple[str | Promise, Number]], unit: Unit = Unit.COUNT,
              category_header: str | Promise = ITEM_HEADER, series_name: str | Promise = "") -> Chart:
    """One value per category, as horizontal bars with the value at each bar's end."""
    name = series_name or _("数值")
    return _horizontal("bar", _("条形图"), title=str(title), series=[Series(name, data)], unit=unit,
                       category_header=str(category_header), stacked=False)


def stacked_bar_chart(*, title: str | Promise, series: Sequence[Series], unit: Unit = Unit.COUNT,
                      category_header: str | Promise = ITEM_HEADER, total_header: str | Promise = "") -> Chart:
    """Several series stacked in one bar per category (a category a series lacks counts 0 there);
    the total at each bar's end and in the table's last column (headed ``total_header``, 合计 if
    not given)."""
    return _horizontal("stacked", _("堆积条形图"), title=str(title), series=series, unit=unit,
                       category_header=str(category_header), stacked=True, total_header=str(total_header))


def line_chart(*, title: str | Promise, series: Sequence[Series], unit: Unit = Unit.COUNT,
               category_header: str | Promise = TIME_HEADER) -> Chart:
    """One line per series over the categories in order (months, days); a point a series lacks
    breaks its line there."""
    title_text = str(title)
    categories, columns = _collect(series)
    chart_id = _chart_id("line", title_text, categories, columns)
    description = _describe(_("折线图"), unit, categories, columns)
    frozen = tuple((name, tuple(values)) for name, values in columns)
    if not categories:
        return Chart(kind="line", title=title_text, unit=unit, category_header=str(category_header), categories=(),
                     series=frozen, description=description, svg=_no_data(chart_id, title_text, description),
                     chart_id=chart_id)
    present = [v for _n, values in columns for v in values if v is not None]
    ticks = nice_ticks(display_value(max(present, default=Decimal(0)), unit), whole=unit == Unit.COUNT)
    top = ticks[-1]
    legend = len(series) > 1
    y_top = (LEGEND_HEIGHT if legend else 0) + 10
    y_bottom = y_top + LINE_PLOT_HEIGHT
    height = y_bottom + AXIS_HEIGHT + 4
    n = len(categories)

    def x_of(i: int) -> float:
        return (LINE_X0 + LINE_X1) / 2 if n == 1 else LINE_X0 + i * (LINE_X1 - LINE_X0) / (n - 1)

    def y_of(value: Decimal) -> float:
        return y_bottom - float(display_value(value, unit) / top) * LINE_PLOT_HEIGHT

    out = _svg_open(chart_id, height, title_text, description)
    if legend:
        out += _legend(series, line=True)
    out.append(f'<g class="chart-grid" stroke="{GRID}" stroke-width="1">')
    for tick in ticks:
        y = y_bottom - float(tick / top) * LINE_PLOT_HEIGHT
        out.append(f'<line x1="{LINE_X0}" y1="{_coordinate(y)}" x2="{LINE_X1}" y2="{_coordinate(y)}"/>')
    out.append("</g>")
    out.append(f'<g class="chart-ticks" fill="{MUTED}" font-size="11" text-anchor="end">')
    for tick in ticks:
        y = y_bottom - float(tick / top) * LINE_PLOT_HEIGHT
        out.append(f'<text x="{LINE_X0 - 6}" y="{_coordinate(y + 4)}">{_e(_tick_text(tick, unit))}</text>')
    out.append("</g>")
    # Every k-th category is named, so that the names (about 5.5 units a half-em) never touch.
    widest = max(sum(_half_ems(c) for c in truncate(category, LINE_LABEL_HALF_EMS)) for category in categories) * 5.5
    spacing = (LINE_X1 - LINE_X0) / (n - 1) if n > 1 else float(LINE_X1 - LINE_X0)
    every = max(1, math.ceil((widest + 6) / spacing))
    out.append(f'<g class="chart-categories" fill="{MUTED}" font-size="11" text-anchor="middle">')
    for i, category in enumerate(categories):
        if i % every == 0:
            out.append(f'<g><title>{_e(category)}</title><text x="{_coordinate(x_of(i))}" y="{y_bottom + 16}">'
                       f'{_e(truncate(category, LINE_LABEL_HALF_EMS))}</text></g>')
    out.append("</g>")
    for j, (name, values) in enumerate(columns):
        colour = _colour(j, series[j])
        dash = DASHES[j % len(DASHES)]
        segments: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(f"{_coordinate(x_of(i))},{_coordinate(y_of(value))}")
        out.append(f'<g class="chart-series" data-series="{_e(name)}">')
        for segment in segments:
            if len(segment) > 1:
                out.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"'
                           f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
        for i, value in enumerate(values):
            if value is not None:
                out.append(f'<circle class="chart-point" cx="{_coordinate(x_of(i))}" cy="{_coordinate(y_of(value))}" '
                           f'r="3" fill="{colour}" data-value="{_e(value)}"><title>{_e(name)} · '
                           f'{_e(categories[i])}：{_e(format_value(value, unit))}</title></circle>')
        out.append("</g>")
    out.append(f'<line x1="{LINE_X0}" y1="{y_bottom}" x2="{LINE_X1}" y2="{y_bottom}" stroke="{MUTED}" '
               f'stroke-width="1"/>')
    out.append("</svg>")
    return Chart(kind="line", title=title_text, unit=unit, category_header=str(category_header),
                 categories=tuple(categories), series=frozen, description=description,
                 svg=mark_safe("".join(out)),  # noqa: S308  (every text above went through _e)
                 chart_id=chart_id, ticks=tuple(ticks))

"""Charts drawn on the server: the SVG is well-formed XML with exact geometry, its ticks are rounded,
empty and zero data are said, labels stay text, the table beneath matches, the figures export to
Excel, and the chart goes into a WeasyPrint PDF with its Chinese text readable."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import openpyxl
import pytest
from django.template import Context, Template
from django.utils import translation
from pypdf import PdfReader

from jijinan.audit.models import AccessLog
from jijinan.cases.printing import render as printing
from jijinan.core import charts
from jijinan.core.charts import Series, Unit
from jijinan.core.permissions import Role
from tests.world import persona

SVG = "{http://www.w3.org/2000/svg}"


def _tree(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314  (our own markup)


def _bars(chart: charts.Chart) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in _tree(chart).iter(f"{SVG}rect") if r.get("class") == "chart-bar"]


def _ticks(chart: charts.Chart) -> list[str]:
    group = next(g for g in _tree(chart).iter(f"{SVG}g") if g.get("class") == "chart-ticks")
    return [t.text or "" for t in group]


def test_bars_are_proportional_to_their_values_on_a_rounded_axis():
    chart = charts.bar_chart(title="各区已超期", data=[("吴中区", 4), ("相城区", 1), ("姑苏区", 7)])
    root = _tree(chart)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("viewBox") == "0 0 360 98"
    assert root.find(f"{SVG}title").text == "各区已超期"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "条形图，单位：件。吴中区 4；相城区 1；姑苏区 7。"  # type: ignore[union-attr]
    # The axis runs 0…8 in steps of 2 over 180 units: 4 → 90, 1 → 22.5, 7 → 157.5.
    assert _ticks(chart) == ["0", "2", "4", "6", "8"]
    assert [(b["x"], b["width"], b["data-value"]) for b in _bars(chart)] == [
        ("96", "90", "4"), ("96", "22.5", "1"), ("96", "157.5", "7")]
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"] == ["4", "1", "7"]


@pytest.mark.parametrize(("maximum", "whole", "expected"), [
    (Decimal(7), True, [0, 2, 4, 6, 8]),
    (Decimal(4), True, [0, 1, 2, 3, 4]),
    (Decimal(9), True, [0, 5, 10]),
    (Decimal(1), True, [0, 1]),
    (Decimal(0), True, [0, 1]),
    (Decimal(1234), True, [0, 500, 1000, 1500]),
    (Decimal("0.8"), False, [Decimal("0"), Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8")]),
    (Decimal("37.5"), False, [0, 10, 20, 30, 40]),
])
def test_ticks_step_by_one_two_or_five(maximum, whole, expected):
    assert charts.nice_ticks(maximum, whole=whole) == [Decimal(v) for v in expected]


def test_stacked_bars_add_up_and_the_table_has_the_totals():
    chart = charts.stacked_bar_chart(title="按区划", category_header="名称", series=[
        Series("已超期", [("吴中区", 4), ("相城区", 1)], tone="bad"),
        Series("今天到期", [("吴中区", 2)], tone="warn")])
    bars = _bars(chart)
    # Axis 0…6 over 180 units: 30 a deadline; the second segment starts where the first ends.
    assert [(b["data-series"], b["x"], b["width"], b["fill"]) for b in bars] == [
        ("已超期", "96", "120", "#b3261e"), ("今天到期", "216", "60", "#9a6200"), ("已超期", "96", "30", "#b3261e")]
    assert _ticks(chart) == ["0", "2", "4", "6"]
    assert chart.headers == ["名称", "已超期", "今天到期", "合计"]
    assert chart.rows == [("吴中区", ["4", "2", "6"]), ("相城区", ["1", "—", "1"])]
    html = Template("{% load charts %}{% chart_figure chart %}").render(Context({"chart": chart}))
    assert 'data-testid="chart-table"' in html and "<th scope=\"row\">相城区</th><td class=\"mono\">1</td>" in html
    assert "按区划的数据（单位：件）" in html


def test_money_shares_and_durations_are_shown_in_their_units():
    money = charts.bar_chart(title="救助金额", data=[("一月", 150000), ("二月", 32050)], unit=Unit.FEN)
    assert money.rows == [("一月", ["1,500.00 元"]), ("二月", ["320.50 元"])]
    assert _ticks(money) == ["0", "500", "1,000", "1,500"]
    assert [b["width"] for b in _bars(money)] == ["180", "38.46"]
    share = charts.bar_chart(title="按期办结率", data=[("甲镇", 0.875), ("乙镇", Decimal("0.5"))], unit=Unit.SHARE)
    assert share.rows == [("甲镇", ["87.5%"]), ("乙镇", ["50.0%"])]
    assert _ticks(share) == ["0%", "50%", "100%"]
    days = charts.bar_chart(title="平均办理", data=[("甲镇", 3)], unit=Unit.WORKING_DAYS)
    assert days.rows == [("甲镇", ["3 个工作日"])]
    assert charts.format_value(Decimal("2.5"), Unit.HOURS) == "2.5 小时"


def test_a_line_chart_places_its_points_and_breaks_where_a_value_is_missing():
    chart = charts.line_chart(title="每月受理", series=[
        Series("受理", [("1月", 3), ("2月", 5), ("3月", 8)]),
        Series("办结", [("1月", 2), ("3月", 6)])])
    root = _tree(chart)
    points = [(c.get("cx"), c.get("cy"), c.get("data-value")) for c in root.iter(f"{SVG}circle")]
    # The axis 0…8 (step 2) over 150 units from y=180 (legend 20 + margin 10 + 150) upwards.
    assert points == [("52", "123.75", "3"), ("192", "86.25", "5"), ("332", "30", "8"),
                      ("52", "142.5", "2"), ("332", "67.5", "6")]
    lines = [p.get("points") for p in root.iter(f"{SVG}polyline")]
    assert lines == ["52,123.75 192,86.25 332,30"]  # 办结 has no February: no line through the gap
    assert chart.rows == [("1月", ["3", "2"]), ("2月", ["5", "—"]), ("3月", ["8", "6"])]
    assert [d.get("stroke-dasharray") for d in root.iter(f"{SVG}line") if d.get("stroke-width") == "2"] == [None, "6 3"]


def test_a_long_line_names_only_as_many_months_as_fit():
    months = [(f"2026年{m}月", m) for m in range(1, 13)]
    chart = charts.line_chart(title="每月受理", series=[Series("受理", months)])
    group = next(g for g in _tree(chart).iter(f"{SVG}g") if g.get("class") == "chart-categories")
    # 12 points 280/11 ≈ 25.5 units apart; "2026年12月" is 10 half-ems (55 units): every third is named.
    assert [t.text for t in group.iter(f"{SVG}text")] == ["2026年1月", "2026年4月", "2026年7月", "2026年10月"]
    assert [t.text for t in group.iter(f"{SVG}title")] == ["2026年1月", "2026年4月", "2026年7月", "2026年10月"]


def test_empty_and_zero_data():
    empty = charts.bar_chart(title="空", data=[])
    assert empty.empty and "暂无数据" in [t.text for t in _tree(empty).iter(f"{SVG}text")]
    assert _tree(empty).find(f"{SVG}desc").text == "条形图：暂无数据。"  # type: ignore[union-attr]
    html = Template("{% load charts %}{% chart_figure chart '/x' %}").render(Context({"chart": empty}))
    assert 'data-testid="chart-empty"' in html and "chart-table" not in html and "chart-export" not in html
    assert charts.line_chart(title="空", series=[]).empty
    zero = charts.bar_chart(title="零", data=[("甲镇", 0), ("乙镇", 0)])
    assert _bars(zero) == [] and _ticks(zero) == ["0", "1"] and zero.rows == [("甲镇", ["0"]), ("乙镇", ["0"])]


@pytest.mark.parametrize("value", [-1, float("nan"), True, "3"])
def test_negative_and_non_numbers_are_refused(value):
    with pytest.raises(ValueError, match="chart value"):
        charts.bar_chart(title="x", data=[("甲镇", value)])


def test_labels_stay_text_and_long_ones_are_cut_with_the_full_label_in_a_title():
    long = "南京市玄武区玄武门街道办事处社会事务科"
    chart = charts.bar_chart(title="<b>标题</b>", data=[("<script>alert(1)</script>", 2), (long, 1)])
    assert "<script>" not in str(chart.svg) and "&lt;script&gt;" in str(chart.svg)
    root = _tree(chart)
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row"]
    assert rows[0].find(f"{SVG}text").text == "<script>aler…"  # type: ignore[union-attr]
    assert rows[1].find(f"{SVG}text").text == "南京市玄武区…"  # type: ignore[union-attr]
    assert rows[1].find(f"{SVG}title").text == f"{long}：1"  # type: ignore[union-attr]
    assert root.find(f"{SVG}title").text == "<b>标题</b>"  # type: ignore[union-attr]
    html = Template("{% load charts %}{% chart_figure chart %}").render(Context({"chart": chart}))
    assert "<script>" not in html and f'<th scope="row">{long}</th>' in html


def test_no_script_no_style_attribute_and_no_external_reference():
    chart = charts.stacked_bar_chart(title="t", series=[Series("a", [("x", 1)]), Series("b", [("x", 2)])])
    for drawn in (chart, charts.line_chart(title="t", series=[Series("a", [("1月", 1), ("2月", 2)])])):
        root = _tree(drawn)
        assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}image", f"{SVG}use", f"{SVG}a")]
        assert not [e for e in root.iter() if "style" in e.attrib or any("href" in k for k in e.attrib)]
        assert "url(" not in str(drawn.svg) and "http:" not in str(drawn.svg).replace(
            'xmlns="http://www.w3.org/2000/svg"', "")


def test_the_output_is_the_same_each_time_and_reads_in_english():
    make = lambda: charts.bar_chart(title="t", data=[("甲", 1), ("乙", 2)], unit=Unit.FEN)  # noqa: E731
    assert str(make().svg) == str(make().svg)
    with translation.override("en"):
        chart = make()
        assert _tree(chart).find(f"{SVG}desc").text == "Bar chart, unit: yuan. 甲 0.01 yuan; 乙 0.02 yuan."  # type: ignore[union-attr]
        assert chart.rows[0] == ("甲", ["0.01 yuan"])


@pytest.mark.django_db
def test_the_figures_export_to_excel_and_the_export_is_logged(world):
    supervisor = persona(world, Role.SUPERVISOR, at="320100000000")
    chart = charts.stacked_bar_chart(title="救助金额", category_header="区划", unit=Unit.FEN, series=[
        Series("临时救助", [("吴中区", 150000), ("=SUM(A1)", 50)]), Series("先行救助", [("吴中区", 2000)])])
    export = charts.chart_export(actor=supervisor, chart=chart, filters={"区划": "苏州市"})
    with export.file:
        sheet = openpyxl.load_workbook(io.BytesIO(export.file.read())).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert values == [["区划", "临时救助（元）", "先行救助（元）", "合计（元）"],
                      ["吴中区", 1500, 20, 1520], ["=SUM(A1)", 0.5, None, 0.5]]
    assert sheet["A5"].data_type == "s"  # a label that looks like a formula stays text
    log = AccessLog.objects.get(pk=export.log_id)
    assert (log.kind, log.subject_type, log.rows) == ("export", "core.chart", 2)


def test_a_chart_prints_into_the_pdf_with_its_chinese_text():
    chart = charts.stacked_bar_chart(title="各区超期情况", series=[
        Series("已超期", [("吴中区", 4), ("相城区", 1)], tone="bad"),
        Series("今天到期", [("吴中区", 2), ("相城区", 3)], tone="warn")])
    figure = Template("{% load charts %}{% chart_figure chart %}").render(Context({"chart": chart}))
    html = (f"<html><head><meta charset='utf-8'></head><body style=\"font-family: '{printing.FONT_FAMILY}'\">"
            f"{figure}</body></html>")
    pdf = printing.html_to_pdf(html)
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    # The SVG's own labels (legend, rows, ticks) and the table beneath are drawn as text.
    for expected in ("各区超期情况", "已超期", "今天到期", "吴中区", "相城区", "合计", "各区超期情况的数据"):
        assert expected in text, expected
    assert text.count("吴中区") == 2  # once on the chart, once in the table

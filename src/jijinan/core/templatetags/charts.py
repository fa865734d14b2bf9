"""``{% chart_figure chart %}``: a chart drawn by :mod:`jijinan.core.charts` with its table beneath."""

from __future__ import annotations

from typing import Any

from django import template

from jijinan.core.charts import Chart

register = template.Library()


@register.inclusion_tag("core/charts/figure.html")
def chart_figure(chart: Chart, export_url: str = "", heading_id: str = "") -> dict[str, Any]:
    """The chart, then its figures as a table (what a screen reader reads and a printout keeps);
    with ``export_url`` a link to the same figures as an Excel workbook."""
    return {"chart": chart, "export_url": export_url, "heading_id": heading_id}

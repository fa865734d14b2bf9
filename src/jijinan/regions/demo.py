"""Demo regions: Jiangsu's real codes, synthetic villages under a few townships, populations."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.utils.translation import gettext as _

from jijinan.core.demo import DemoContext, demo_step
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.services import regions_fill_synthetic_populations, regions_load_csv

DATA = Path(__file__).resolve().parent / "data" / "regions-jiangsu.csv"
NBS_DATE = "2022-10-31"
# Townships that get synthetic communities/villages in the small demo (玄武区, 江宁区, 鼓楼区).
DEMO_TOWNSHIPS = ["320102002000", "320102005000", "320115001000", "320115100000",
                  "320106001000", "320106011000"]
VILLAGE_NAMES = ["东风", "红旗", "新华", "光明", "长青", "和平", "幸福", "团结", "丰收", "永安"]


def stable_number(code: str) -> int:
    return int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)


def _village_rows(townships: list[Region], per_township: int) -> str:
    lines = ["code,name,level,parent_code,synthetic"]
    for town in townships:
        kind = "社区" if town.name.endswith("街道") else "村"
        for i in range(1, per_township + 1):
            code = f"{town.code[:9]}{i:03d}"
            name = f"{VILLAGE_NAMES[(stable_number(code) + i) % len(VILLAGE_NAMES)]}{i}{kind}"
            lines.append(f"{code},{name},village,{town.code},yes")
    return "\n".join(lines) + "\n"


@demo_step("regions.jiangsu", order=10)
def demo_regions(ctx: DemoContext) -> None:
    from datetime import date

    result = regions_load_csv(text=DATA.read_text(encoding="utf-8"),
                              valid_from=date.fromisoformat(NBS_DATE),
                              source=_("国家统计局统计用区划代码（2022-10-31）"))
    ctx.created("regions", result.created)
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP)
    if ctx.scale:
        # A synthetic province: villages under the townships of the first `scale` cities.
        cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("code")[:ctx.scale])
        chosen = [t for t in townships.order_by("code") if any(t.code.startswith(c.prefix) for c in cities)]
        per = 12
    else:
        chosen = list(townships.filter(code__in=DEMO_TOWNSHIPS).order_by("code"))
        per = 5
    villages = regions_load_csv(text=_village_rows(chosen, per), valid_from=date(2023, 1, 1),
                                source=_("演示数据（合成）"), synthetic=True)
    ctx.created("villages", villages.created)
    ctx.created("populations", regions_fill_synthetic_populations(seed_of=stable_number))

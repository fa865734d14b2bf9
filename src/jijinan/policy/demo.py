"""Demo parameters: the defaults of POLICY.md, one pending district change, synthetic overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import today_local
from jijinan.core.demo import DemoContext, demo_step
from jijinan.policy.choices import Basis
from jijinan.policy.models import ParameterVersion
from jijinan.policy.services import VersionInput, parameter_version_add, parameters_load_json
from jijinan.regions.choices import RegionLevel
from jijinan.regions.demo import stable_number
from jijinan.regions.models import Region

DATA = Path(__file__).resolve().parent / "data" / "defaults.json"
XUANWU = "320102000000"
SYNTHETIC_FROM = date(2022, 1, 1)


def _has_version(name: str, region_code: str) -> bool:
    return ParameterVersion.objects.filter(definition__name=name, region__code=region_code).exists()


@demo_step("policy.defaults", order=55)
def demo_policy(ctx: DemoContext) -> None:
    result = parameters_load_json(actor=None, text=DATA.read_text(encoding="utf-8"), source="defaults.json")
    ctx.created("policy parameters", result.definitions_created)
    ctx.created("policy versions", result.versions_created)
    # One pending district change, so that a newcomer sees a county override and the "待生效" badge.
    name = "temporary_assistance.township_ceiling"
    if Region.objects.filter(code=XUANWU).exists() and not _has_version(name, XUANWU):
        parameter_version_add(actor=None, name=name, data=VersionInput(
            region_code=XUANWU, value="4", effective_from=date(today_local().year + 1, 1, 1),
            citation=_("演示：虚构的玄武区调整，用于展示区县覆盖和待生效版本"), basis=Basis.DEMO_DEFAULT))
        ctx.created("policy versions", 1)
    if ctx.scale:
        # A synthetic province: every county of the first `scale` cities sets its own standard.
        cities = [c.prefix for c in Region.objects.filter(level=RegionLevel.CITY).order_by("code")[:ctx.scale]]
        counties = [r for r in Region.objects.filter(level=RegionLevel.COUNTY, valid_to__isnull=True)
                    .order_by("code") if r.prefix[:4] in cities]
        for county in counties:
            if _has_version("dibao.standard_monthly", county.code):
                continue
            fen = (800 + stable_number(county.code) % 200) * 100
            parameter_version_add(actor=None, name="dibao.standard_monthly", data=VersionInput(
                region_code=county.code, value=fen, effective_from=SYNTHETIC_FROM,
                citation=_("演示数据（合成）"), basis=Basis.DEMO_DEFAULT, backdate=True))
            ctx.created("policy versions", 1)


DEMO_NOTE = "演示：窗口测算样例"


@demo_step("policy.decisions", order=95)
def demo_decisions(ctx: DemoContext) -> None:
    """Three kept calculations in 玄武区, so the decision records, their reasons and the
    reproduction can be seen at once."""
    from jijinan.accounts.models import Grant
    from jijinan.core.permissions import Role
    from jijinan.policy.models import Decision
    from jijinan.policy.selectors import decision_inputs
    from jijinan.policy.services import decision_record

    if Decision.objects.filter(note=DEMO_NOTE).exists():
        return
    grant = (Grant.objects.filter(role=Role.TOWNSHIP_REVIEWER, region__code__startswith="320102")
             .select_related("user", "region").order_by("id").first())
    if grant is None:
        return
    region = grant.region.code
    day = today_local().isoformat()
    household = {"members": [{"age": 72, "disability_category": "physical", "disability_grade": 2},
                             {"age": 68}, {"age": 15}]}
    samples = {
        "dibao": {"region_code": region, "on": day, "household": household, "monthly_income_fen": 120000},
        "temporary_assistance": {"region_code": region, "on": day, "kind": "emergency", "cause": "fire",
                                 "severity": "serious", "requested_amount_fen": 300000, "household": household},
        "medical_assistance": {"region_code": region, "on": day, "category": "dibao",
                               "eligible_expense_fen": 3560000},
    }
    for program, data in samples.items():
        decision_record(actor=grant.user, program=program, inputs=decision_inputs(program, data), note=DEMO_NOTE)
        ctx.created("decision records", 1)

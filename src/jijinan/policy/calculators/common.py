"""What several calculators share: rounding to the fen, month arithmetic, the property test and the
result base class."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jijinan.core.errors import DomainError
from jijinan.policy.calculators.explain import Explanation, Lines, Text, money, number
from jijinan.policy.calculators.params import Params
from jijinan.policy.calculators.property import PropertyFacts, VehicleUse
from jijinan.policy.errors import PolicyErrorCode
from jijinan.policy.values import plain

HUNDRED = Decimal(100)


def to_fen(amount: Decimal) -> int:
    """An exact amount in fen rounded half up to the fen: done once, on the final figure."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier); the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def bad_parameter(name: str, message: str) -> DomainError:
    """A parameter whose value the calculator cannot use (an uplift tier of 7)."""
    return DomainError.for_field(name, message, code=PolicyErrorCode.BAD_VALUE)


def persons(n: int) -> Text:
    return Text(f"{n} 人", f"{n} person{'s' if n != 1 else ''}")


def times(multiple: Decimal) -> str:
    return f"{plain(multiple)} ×"


def percent(rate: Decimal) -> str:
    return f"{plain(rate)}%"


@dataclass(frozen=True)
class CalculationResult:
    """What every calculator returns; subclasses add their own figures (amounts in fen)."""

    program: str
    calculator_version: str
    outcome: str
    eligible: bool
    amount_fen: int
    explanation: Explanation

    def to_record(self) -> dict[str, Any]:
        """A JSON-safe record of the result: its figures, its lines and the parameter versions."""
        record: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "explanation":
                continue
            record[f.name] = _json(getattr(self, f.name))
        record["explanation"] = self.explanation.to_record()
        return record


def _json(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


# --- the property test (POLICY.md §2 and §8) --------------------------------------------------------


def property_test(facts: PropertyFacts, *, members: int, standard_fen: int, on: date, params: Params,
                  lines: Lines) -> bool:
    """Whether the household's property is within the local rules: financial assets up to a multiple
    of the standard per member, and none of the exclusions of §8 that the region has switched on.

    Each rule is one line; a rule the region switched off is shown, citing the switch, as not applied.
    """
    source = (Text(f"家庭经济状况核对报告 #{facts.report_id}", f"means verification report #{facts.report_id}")
              if facts.verified and facts.report_id is not None else
              Text("家庭经济状况核对报告", "means verification report") if facts.verified else
              Text("申请人申报，尚未核对", "declared by the applicant, not yet verified"))
    lines.add("property.source", Text("财产信息来源", "Source of the property facts"), source, None)

    multiple_p = params.get("means_verification.financial_assets_multiple")
    standard_p = params.get("dibao.standard_monthly")
    multiple = params.decimal(multiple_p.name)
    limit = multiple * standard_fen * members
    assets_ok = Decimal(facts.financial_assets_fen) <= limit
    lines.add("property.financial_assets", Text("金融资产", "Financial assets"),
              money(facts.financial_assets_fen) + Text(" ≤ ", " ≤ ") + Text(
                  f"{times(multiple)} {money(standard_fen).zh} × {members} 人 = {money(limit).zh}",
                  f"{times(multiple)} {money(standard_fen).en} × {members} = {money(limit).en}"),
              assets_ok, multiple_p, standard_p)
    results = [assets_ok]

    def rule(switch: str, rule_code: str, label: Text, found: Text, failed: bool, *cited: Any) -> None:
        switch_p = params.get(switch)
        if not params.flag(switch):
            lines.add(rule_code, label, found + Text("（本地未启用此项规则）", " (rule not applied here)"), None,
                      switch_p, *cited)
            return
        lines.add(rule_code, label, found, not failed, switch_p, *cited)
        results.append(not failed)

    # Vehicles: exempt uses are themselves switches, so a county may count a disability vehicle.
    sole_p = params.get("means_verification.vehicle_exempt_sole_livelihood")
    disability_p = params.get("means_verification.vehicle_exempt_disability")
    exempt = {VehicleUse.SOLE_LIVELIHOOD: bool(sole_p.value), VehicleUse.DISABILITY: bool(disability_p.value)}
    counted = [v for v in facts.vehicles if not exempt.get(v.use, False)]
    rule("means_verification.exclude_vehicle", "property.vehicle", Text("机动车", "Vehicles"),
         Text(f"共 {len(facts.vehicles)} 辆，计入 {len(counted)} 辆"
              "（营运谋生的小型车辆、残疾人功能性补偿代步车可不计）",
              f"{len(facts.vehicles)} in all, {len(counted)} counted (a small commercial vehicle that is the "
              "sole livelihood, or a disability vehicle, may be left out)"),
         bool(counted), sole_p, disability_p)
    heavy = facts.large_farm_machinery or facts.commercial_boat
    rule("means_verification.exclude_farm_machinery", "property.machinery",
         Text("大型农机具、营运船舶", "Large farm machinery, commercial boats"),
         Text("有", "held") if heavy else Text("无", "none"), heavy)
    rule("means_verification.exclude_business_controller", "property.business",
         Text("经营企业（法定代表人或控股股东）", "Runs a business (legal representative or controlling shareholder)"),
         Text("是", "yes") if facts.business_controller else Text("否", "no"), facts.business_controller)

    homes_p = params.get("means_verification.homes_threshold")
    area_p = params.get("means_verification.housing_standard_area")
    area_multiple_p = params.get("means_verification.housing_area_multiple")
    area_limit = params.decimal(area_p.name) * params.decimal(area_multiple_p.name) * members
    many = facts.homes >= params.integer(homes_p.name) and facts.floor_area_m2 > area_limit
    rule("means_verification.exclude_multiple_homes", "property.homes",
         Text("多套住房且人均面积超标", "Several homes with floor area per person above the limit"),
         Text(f"{facts.homes} 套，共 {number(facts.floor_area_m2)} 平方米；限额：{homes_p.value} 套以上且超过 "
              f"{number(params.decimal(area_p.name))} × {number(params.decimal(area_multiple_p.name))} × "
              f"{members} 人 = {number(area_limit)} 平方米",
              f"{facts.homes} home(s), {number(facts.floor_area_m2)} m² in all; excluded from {homes_p.value} "
              f"homes above {number(params.decimal(area_p.name))} × "
              f"{number(params.decimal(area_multiple_p.name))} × {members} = {number(area_limit)} m²"),
         many, homes_p, area_p, area_multiple_p)

    lookback_p = params.get("means_verification.home_purchase_lookback")
    since = add_months(on, -params.integer(lookback_p.name))
    bought = facts.latest_home_acquired_on
    recent = bought is not None and since <= bought <= on
    rule("means_verification.exclude_recent_home_purchase", "property.recent_home",
         Text("申请前购建房屋", "Home bought or built before applying"),
         Text(f"最近购建：{bought.isoformat() if bought else '无'}；回溯至 {since.isoformat()}",
              f"latest bought or built: {bought.isoformat() if bought else 'none'}; look-back from "
              f"{since.isoformat()}"),
         recent, lookback_p)
    return all(results)

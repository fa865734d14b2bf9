"""What a verification report establishes, as the plain facts the policy calculators read.

Pure functions over the report's frozen ``facts``: no query, so the same report always gives the
same :class:`PropertyFacts` and :class:`IncomeFacts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from jijinan.policy.calculators.property import PropertyFacts, Vehicle
from jijinan.verification.choices import Source
from jijinan.verification.sources import FINANCIAL_SOURCES


class ReportLike(Protocol):
    pk: Any
    facts: dict[str, Any]
    complete: bool


@dataclass(frozen=True)
class IncomeFacts:
    """A household's monthly income as the tax and social-insurance sources reported it, in fen.

    Tax and social insurance report the same wages from two sides, so ``wages_fen`` takes the
    larger of the two, never their sum; pensions add to it.
    """

    tax_monthly_income_fen: int = 0
    social_insurance_monthly_income_fen: int = 0
    monthly_pension_fen: int = 0
    verified: bool = False  # True when built from a complete report (all ten sources answered)
    report_id: int | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def wages_fen(self) -> int:
        return max(self.tax_monthly_income_fen, self.social_insurance_monthly_income_fen)

    @property
    def monthly_income_fen(self) -> int:
        return self.wages_fen + self.monthly_pension_fen


def _answered(report: ReportLike, source: str) -> dict[str, Any] | None:
    entry = (report.facts or {}).get(source) or {}
    return entry.get("facts") if entry.get("status") == "answered" else None


def _origins(report: ReportLike, names: tuple[str, ...]) -> dict[str, str]:
    origins: dict[str, str] = {}
    for source in names:
        entry = (report.facts or {}).get(source) or {}
        status = entry.get("status", "not_requested")
        origin = entry.get("origin") or {}
        if status == "answered":
            origins[source] = f"report {report.pk} · result {origin.get('result_id')} · {origin.get('origin', '')}"
        else:
            origins[source] = f"report {report.pk} · {status}"
    return origins


PROPERTY_SOURCES = (Source.REAL_ESTATE, Source.VEHICLES, Source.BUSINESS_REGISTRATION, *FINANCIAL_SOURCES)
INCOME_SOURCES = (Source.TAX, Source.SOCIAL_INSURANCE)


def report_property_facts(report: ReportLike) -> PropertyFacts:
    """The property-test facts of a report. Financial assets are bank deposits, insurance cash
    values and securities; the housing provident fund is shown on the report but not counted
    (it cannot be drawn at will)."""
    financial = sum(int((_answered(report, s) or {}).get("balance_fen") or 0) for s in FINANCIAL_SOURCES)
    vehicles_source = _answered(report, Source.VEHICLES) or {}
    vehicles = tuple(Vehicle(use=v.get("use", "private"), description=v.get("description", ""))
                     for v in vehicles_source.get("vehicles") or [])
    homes = (_answered(report, Source.REAL_ESTATE) or {}).get("homes") or []
    acquired = [date.fromisoformat(h["acquired_on"]) for h in homes if h.get("acquired_on")]
    return PropertyFacts(
        financial_assets_fen=financial,
        vehicles=vehicles,
        large_farm_machinery=bool(vehicles_source.get("large_farm_machinery")),
        commercial_boat=bool(vehicles_source.get("commercial_boat")),
        business_controller=bool((_answered(report, Source.BUSINESS_REGISTRATION) or {}).get(
            "business_controller")),
        homes=len(homes),
        floor_area_m2=sum((Decimal(h["floor_area_m2"]) for h in homes), Decimal(0)),
        latest_home_acquired_on=max(acquired) if acquired else None,
        verified=bool(report.complete),
        report_id=report.pk,
        sources=_origins(report, PROPERTY_SOURCES),
    )


def report_income_facts(report: ReportLike) -> IncomeFacts:
    tax = _answered(report, Source.TAX) or {}
    social = _answered(report, Source.SOCIAL_INSURANCE) or {}
    return IncomeFacts(
        tax_monthly_income_fen=int(tax.get("monthly_income_fen") or 0),
        social_insurance_monthly_income_fen=int(social.get("monthly_income_fen") or 0),
        monthly_pension_fen=int(social.get("monthly_pension_fen") or 0),
        verified=bool(report.complete),
        report_id=report.pk,
        sources=_origins(report, INCOME_SOURCES),
    )

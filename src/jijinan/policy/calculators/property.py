"""What the property test reads: a household's assets as the means verification established them.

The verification app (``jijinan.verification``) builds :class:`PropertyFacts` from a household's
verification report; the window calculator builds it from what the clerk typed. The calculators
never read the database, so the same facts always give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class VehicleUse:
    """Why a vehicle is held: some uses are excluded from the property test (POLICY.md §8)."""

    PRIVATE = "private"
    SOLE_LIVELIHOOD = "sole_livelihood"  # a small commercial vehicle that is the sole livelihood
    DISABILITY = "disability"  # a disability vehicle
    CHOICES = (PRIVATE, SOLE_LIVELIHOOD, DISABILITY)


@dataclass(frozen=True)
class Vehicle:
    use: str = VehicleUse.PRIVATE
    description: str = ""


@dataclass(frozen=True)
class PropertyFacts:
    """A household's assets; ``sources`` names where each fact came from (report id, source code)."""

    financial_assets_fen: int = 0
    vehicles: tuple[Vehicle, ...] = ()
    large_farm_machinery: bool = False
    commercial_boat: bool = False
    business_controller: bool = False  # legal representative or controlling shareholder
    homes: int = 0
    floor_area_m2: Decimal = Decimal(0)  # all homes together
    latest_home_acquired_on: date | None = None  # bought or built
    verified: bool = False  # True when built from a completed verification report
    report_id: int | None = None
    sources: dict[str, str] = field(default_factory=dict)

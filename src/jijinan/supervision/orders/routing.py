"""Who issues a 督办 order and where an unanswered one goes next (township → county → city).

The issuer is the civil-affairs office above the addressee: the county's for a township office or a
county department, the city's for a county's own office. An order escalates to the office of the
same kind one level up (a county department → the city's department of that type), and at the top
to the government office of the same level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.regions.choices import RegionLevel

CIVIL = OrganisationKind.CIVIL_AFFAIRS_OFFICE
GOVERNMENT = OrganisationKind.GOVERNMENT_OFFICE
DEPARTMENT = OrganisationKind.DEPARTMENT_OFFICE


def county_code(code: str) -> str:
    return code[:6] + "000000"


def city_code(code: str) -> str:
    return code[:4] + "00000000"


def province_code(code: str) -> str:
    return code[:2] + "0" * 10


def _above(code: str, level: str) -> list[str]:
    """The codes of the county, city and province above a region of ``level`` (nearest first)."""
    if level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return [county_code(code), city_code(code), province_code(code)]
    if level == RegionLevel.COUNTY:
        return [city_code(code), province_code(code)]
    if level == RegionLevel.CITY:
        return [province_code(code)]
    return []


@dataclass
class Offices:
    """The active civil-affairs and government offices by region code, read once (a sweep asks
    for thousands of matters)."""

    civil: dict[str, Organisation] = field(default_factory=dict)
    government: dict[str, Organisation] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Offices:
        found = cls()
        for o in (Organisation.objects.filter(active=True, kind__in=[CIVIL, GOVERNMENT])
                  .select_related("region", "department_type").order_by("-pk")):
            (found.civil if o.kind == CIVIL else found.government)[o.region.code] = o
        return found

    def issuer(self, addressee: Organisation) -> Organisation | None:
        """The civil-affairs office that supervises ``addressee``: the county's for a township
        office or a county department, the city's for a county's own office, and so on up."""
        region = addressee.region
        codes = _above(region.code, region.level)
        if addressee.kind == DEPARTMENT and region.level != RegionLevel.PROVINCE:
            codes = [region.code, *codes]
        for code in codes:
            office = self.civil.get(code)
            if office is not None and office.pk != addressee.pk:
                return office
        # Nothing above (the province's own office): it supervises itself through its government.
        return self.civil.get(region.code) or self.government.get(region.code)

    def issuer_above(self, addressee: Organisation) -> Organisation | None:
        """The issuer of an escalated order: the civil-affairs office above the new addressee, or
        at its level at the top."""
        region = addressee.region
        for code in _above(region.code, region.level):
            office = self.civil.get(code)
            if office is not None:
                return office
        office = self.civil.get(region.code)
        return office if office is not None and office.pk != addressee.pk else self.issuer(addressee)


def next_addressee(office: Organisation, offices: Offices) -> Organisation | None:
    """One level up: the office of the same kind (and department type) at the parent county or
    city; at the top, or when none is registered there, the government office of the same level."""
    region = office.region
    parent = None
    if region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        parent = county_code(region.code)
    elif region.level == RegionLevel.COUNTY:
        parent = city_code(region.code)
    if parent is not None:
        same = (Organisation.objects.filter(active=True, kind=office.kind, region__code=parent,
                                            department_type_id=office.department_type_id)
                .select_related("region", "department_type").order_by("pk").first())
        if same is not None:
            return same
        government = offices.government.get(parent)
        if government is not None:
            return government
    government = offices.government.get(region.code)
    if government is not None and government.pk != office.pk:
        return government
    return None

"""What the policy engine is told about a case's subject: the members of its household, the
household's property (the verification report in force, else its own declaration), and the
calculator's cause for a case category. Read by triage at intake and by the review."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError
from jijinan.policy import calculators as calc
from jijinan.registry.models import Household
from jijinan.verification.selectors import household_property_facts_for_user

# Categories whose cause the temporary-assistance calculator knows (emergency kind).
CAUSES = {"serious_illness": calc.Cause.SERIOUS_ILLNESS, "accident": calc.Cause.ACCIDENT,
          "fire": calc.Cause.FIRE, "disaster": calc.Cause.DISASTER,
          "family_crisis": calc.Cause.BREADWINNER_LOSS}


def household_members(household: Household) -> tuple[calc.Member, ...]:
    people = [m.person for m in household.members.filter(left_on__isnull=True).select_related("person")]
    return tuple(calc.Member(birth_date=p.birth_date, sex=p.sex or "U",
                             disability_category=p.disability_category or "",
                             disability_grade=p.disability_grade, serious_illness=p.serious_illness,
                             living_alone=p.living_alone) for p in people)


def household_property(actor: Any, household: Household) -> tuple[calc.PropertyFacts, str]:
    """The verified property of the household's report in force, else its own declaration."""
    try:
        facts = household_property_facts_for_user(user=actor, household=household) if actor else None
    except DomainError:
        facts = None
    if facts is not None:
        return facts, _("核对报告")
    return calc.PropertyFacts(financial_assets_fen=household.financial_assets_fen,
                              floor_area_m2=household.housing_area_m2 or Decimal(0)), _("家庭申报")

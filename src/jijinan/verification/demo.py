"""Demo verification: three 玄武区 households get an authorisation and all ten requests; two of them
have every answer in and a report issued, the third still waits on the county."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import timedelta
from typing import Any

from django.utils import timezone

from jijinan.core.demo import DemoContext, demo_step
from jijinan.policy.models import ParameterDefinition
from jijinan.policy.services import parameters_load_json
from jijinan.registry.choices import Relation
from jijinan.registry.models import HouseholdMember
from jijinan.verification import services
from jijinan.verification.choices import AuthorisationMethod, Source
from jijinan.verification.documents import Document
from jijinan.verification.models import Authorisation

# Used until the policy defaults carry it (same shape as policy/data/defaults.json).
VALID_MONTHS_DEFINITION = {
    "name": services.VALID_MONTHS_PARAMETER, "label": "核对授权有效期", "label_en": "Authorisation validity",
    "program": "means_verification", "section": "§8", "kind": "months", "unit": "个月", "unit_en": "months",
    "description": "家庭签署的核对授权书自签署之日起的有效月数。",
    "versions": [{"region_code": "320000000000", "value": 12, "effective_from": "2020-01-01",
                  "citation": "演示默认值（demo default），待县（区）按本地规定替换", "basis": "demo_default"}],
}


def tiny_png(width: int = 4, height: int = 2) -> bytes:
    """A real, small white PNG (a stand-in for a signature drawn on screen)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def ensure_valid_months_parameter() -> int:
    if ParameterDefinition.objects.filter(name=services.VALID_MONTHS_PARAMETER).exists():
        return 0
    text = json.dumps({"definitions": [VALID_MONTHS_DEFINITION]}, ensure_ascii=False)
    result = parameters_load_json(actor=None, text=text, source="verification demo")
    return result.versions_created


def _answers(today: Any) -> dict[str, dict[str, dict[str, Any]]]:
    bought = (today - timedelta(days=200)).isoformat()
    return {
        "王建国": {
            Source.HOUSEHOLD_REGISTRATION: {"members_confirmed": True},
            Source.TAX: {"monthly_income_fen": 210000},
            Source.SOCIAL_INSURANCE: {"monthly_income_fen": 200000, "monthly_pension_fen": 0},
            Source.REAL_ESTATE: {"homes": [{"floor_area_m2": "58.30", "acquired_on": "2003-05-01",
                                            "location": "东风1社区 3 栋 201 室"}]},
            Source.BUSINESS_REGISTRATION: {"business_controller": False},
            Source.HOUSING_FUND: {"balance_fen": 1250000},
            Source.VEHICLES: {"vehicles": [{"use": "sole_livelihood", "description": "苏A·三轮货车"}]},
            Source.BANKS: {"balance_fen": 860000},
            Source.INSURERS: {"balance_fen": 0},
            Source.SECURITIES: {"balance_fen": 0},
        },
        "赵德明": {
            Source.HOUSEHOLD_REGISTRATION: {"members_confirmed": True},
            Source.TAX: {"monthly_income_fen": 0},
            Source.SOCIAL_INSURANCE: {"monthly_income_fen": 0, "monthly_pension_fen": 420000},
            Source.REAL_ESTATE: {"homes": [
                {"floor_area_m2": "72.00", "acquired_on": "1998-10-01", "location": "新华3社区 9 栋 303 室"},
                {"floor_area_m2": "45.50", "acquired_on": bought, "location": "江宁区某小区（演示）"}]},
            Source.BUSINESS_REGISTRATION: {"business_controller": False},
            Source.HOUSING_FUND: {"balance_fen": 0},
            Source.VEHICLES: {"vehicles": [{"use": "private", "description": "苏A·小型轿车"}]},
            Source.BANKS: {"balance_fen": 5320000},
            Source.INSURERS: {"balance_fen": 800000},
            Source.SECURITIES: {"balance_fen": 150000},
        },
    }


@demo_step("verification.households", order=70)
def demo_verification(ctx: DemoContext) -> None:
    ctx.created("policy versions", ensure_valid_months_parameter())
    today = timezone.localdate()
    answers = _answers(today)
    heads = HouseholdMember.objects.filter(relation=Relation.HEAD, left_on__isnull=True,
                                           person__name__in=["王建国", "赵德明", "刘芳"]).select_related(
        "household__region", "person")
    for head in heads:
        household = head.household
        if Authorisation.objects.filter(household=household).exists():
            continue
        members = services.current_members(household)
        signed_on = today - timedelta(days=20)
        services.authorisation_record(
            actor=None, household=household, signed_on=signed_on, method=AuthorisationMethod.SIGNED_ON_SCREEN,
            signatory_ids=[p.pk for p in services.required_signatories(members, signed_on)] or [head.person_id],
            document=Document(tiny_png(), "png", "signature.png"), note="演示")
        ctx.created("verification authorisations", 1)
        requests = services.request_create(actor=None, household=household, sources_wanted=list(Source.values),
                                           purpose="低保申请（演示）")
        ctx.created("verification requests", len(requests))
        given = answers.get(head.person.name)
        if given is None:
            continue  # 刘芳's household: the county has not answered yet
        for request in requests:
            services.result_enter(actor=None, request=request, version=request.version, facts=given[request.source])
        services.report_issue(actor=None, household=household)
        ctx.created("verification reports", 1)

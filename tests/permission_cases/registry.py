"""Permission cases of the registry: persons, households, memberships, consents, program types.

The world gains, in 玄武区 (in scope) and in 鼓楼区 (out of scope): a household of two (a head and
a member), a person in no household, a program membership, and consents that let the world's
partner organisation and health handlers see the head (so the matrix's "allowed" holds for
them too) plus one consent to withdraw. Rows are written directly, so every test pays little.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from jijinan.accounts.models import DepartmentType
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import check_digit_for
from jijinan.regions.models import Region
from jijinan.registry.choices import ConsentCategory, IdDocumentKind, Relation
from jijinan.registry.models import (
    ID_NUMBER_PURPOSE,
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    ProgramType,
)
from jijinan.registry.names import name_code, name_keys
from tests.permission_cases import Case, fixed
from tests.world import World


def valid_id(area: str, born: str, sequence: int) -> str:
    body = f"{area}{born}{sequence:03d}"
    return body + check_digit_for(body)


def _person(name: str, region: Region, number: str, *, sex: str = "M") -> Person:
    pinyin, initials = name_keys(name)
    return Person(name=name, name_code=name_code(name), name_pinyin=pinyin, name_initials=initials, id_number=number,
                  id_number_index=crypto.blind_index(number, purpose=ID_NUMBER_PURPOSE),
                  id_kind=IdDocumentKind.RESIDENT, sex=sex, residence_region=region, phone="13912345678",
                  phone_index="x")


def extend_world(world: World) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in=["320102002001", "320106001001"])}
    today = timezone.localdate()
    programs = {p.code: p for p in ProgramType.objects.filter(code__in=["tekun"])}
    health = DepartmentType.objects.get(code="health")
    disabled = DepartmentType.objects.get(code="disabled_persons_federation")
    extra: dict[str, dict[bool, Any]] = {k: {} for k in (
        "person", "member", "free", "household", "membership", "consent")}
    for in_scope, code, area, seq in ((True, "320102002001", "320102", 10), (False, "320106001001", "320106", 20)):
        region = regions[code]
        head, member, free = Person.objects.bulk_create([
            _person("张伟" if in_scope else "张卫", region, valid_id(area, "19700101", seq + 1)),
            _person("李娜" if in_scope else "李纳", region, valid_id(area, "19720202", seq + 2), sex="F"),
            _person("王芳" if in_scope else "王方", region, valid_id(area, "19800303", seq + 4), sex="F"),
        ])
        household = Household.objects.create(region=region, bank_account="6222021001012345678")
        HouseholdMember.objects.bulk_create([
            HouseholdMember(household=household, person=head, relation=Relation.HEAD),
            HouseholdMember(household=household, person=member, relation=Relation.SPOUSE)])
        membership = Membership.objects.create(program=programs["tekun"], person=head, region=region,
                                               start_date=date(2024, 1, 1))
        consents = Consent.objects.bulk_create([
            Consent(person=head, organisation=world.partner, categories=list(ConsentCategory.values),
                    purpose="帮扶", granted_on=today),
            Consent(person=head, department_type=health, categories=[ConsentCategory.HEALTH],
                    purpose="医疗救助", granted_on=today),
            Consent(person=head, department_type=disabled, categories=[ConsentCategory.CONTACT],
                    purpose="康复", granted_on=today),
        ])
        for key, value in (("person", head), ("member", member), ("free", free), ("household", household),
                           ("membership", membership), ("consent", consents[2])):
            extra[key][in_scope] = value
    world.extra["registry"] = extra


def _r(w: World, key: str, s: bool) -> Any:
    return w.extra["registry"][key][s]


def _pk(key: str, template: str) -> Any:
    return lambda w, s: template.format(pk=_r(w, key, s).pk)


def _person_form(w: World, s: bool) -> dict[str, Any]:
    person = _r(w, "person", s)
    return {"name": person.name + "甲", "residence_region_code": person.residence_region.code,
            "employment": "unknown", "education": "unknown", "version": 1}


def _new_person(w: World, s: bool) -> dict[str, Any]:
    return {"name": "新登记", "id_number": valid_id("320102", "19900101", 99), "residence_region_code": w.region(s),
            "employment": "unknown", "education": "unknown"}


def _membership(w: World, s: bool, program: str, version: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"program": program, "start_date": "2024-06-01", "status": "active"}
    if version:
        data["version"] = 1
    return data


def _household_form(w: World, s: bool) -> dict[str, Any]:
    return {"region_code": w.region(s), "monthly_income": "0", "financial_assets": "0", "vehicles": 0,
            "version": 1}


P = "/registry/persons/{pk}/"
H = "/registry/households/{pk}/"
AP = "/api/v1/persons/{pk}"
AH = "/api/v1/households/{pk}"

CASES: dict[str, Case] = {
    # --- pages ---
    "* /registry/": Case("GET", fixed("/registry/")),
    "* /registry/persons/": Case("GET", fixed("/registry/persons/?q=zhang")),
    "* /registry/persons/new/": Case("POST", fixed("/registry/persons/new/"), _new_person, scoped_body=True,
                                     body_refusal=400),
    "* /registry/persons/<int:pk>/": Case("GET", _pk("person", P), scoped_record=True),
    "* /registry/persons/<int:pk>/edit/": Case("POST", _pk("person", P + "edit/"), _person_form,
                                               scoped_record=True),
    "* /registry/persons/<int:pk>/unmask/": Case("POST", _pk("person", P + "unmask/"),
                                                 lambda w, s: {"purpose": "核对"}, scoped_record=True),
    "* /registry/persons/<int:pk>/memberships/new/": Case(
        "POST", _pk("free", P + "memberships/new/"), lambda w, s: _membership(w, s, "tekun"), scoped_record=True),
    "* /registry/persons/<int:pk>/consents/new/": Case(
        "POST", _pk("person", P + "consents/new/"),
        lambda w, s: {"organisation": w.partner.pk, "categories": ["contact"], "purpose": "帮扶"},
        scoped_record=True),
    "* /registry/consents/<int:pk>/withdraw/": Case(
        "POST", _pk("consent", "/registry/consents/{pk}/withdraw/"),
        lambda w, s: {"reason": "本人撤回", "version": 1}, scoped_record=True),
    "* /registry/memberships/<int:pk>/edit/": Case(
        "POST", _pk("membership", "/registry/memberships/{pk}/edit/"),
        lambda w, s: {**_membership(w, s, "tekun", version=True), "status": "ended", "end_date": "2024-12-31"},
        scoped_record=True),
    "* /registry/households/": Case("GET", fixed("/registry/households/?q=zhang")),
    "* /registry/persons/export/": Case("GET", fixed("/registry/persons/export/?q=zhang")),
    "* /registry/households/export/": Case("GET", fixed("/registry/households/export/?region=320102")),
    "* /registry/households/new/": Case(
        "POST", fixed("/registry/households/new/"),
        lambda w, s: {**_household_form(w, s), "head": _r(w, "free", s).pk}, scoped_body=True, body_refusal=400),
    "* /registry/households/<int:pk>/": Case("GET", _pk("household", H), scoped_record=True),
    "* /registry/households/<int:pk>/edit/": Case("POST", _pk("household", H + "edit/"), _household_form,
                                                  scoped_record=True),
    "* /registry/households/<int:pk>/unmask/": Case("POST", _pk("household", H + "unmask/"),
                                                    lambda w, s: {"purpose": "发放核对"}, scoped_record=True),
    "* /registry/households/<int:pk>/members/add/": Case(
        "POST", _pk("household", H + "members/add/"),
        lambda w, s: {"person": _r(w, "free", s).pk, "relation": "other", "version": 1}, scoped_record=True),
    "* /registry/households/<int:pk>/members/<int:person_pk>/remove/": Case(
        "POST", lambda w, s: f"/registry/households/{_r(w, 'household', s).pk}/members/"
                             f"{_r(w, 'member', s).pk}/remove/",
        lambda w, s: {"reason": "分户", "version": 1}, scoped_record=True),
    "* /registry/households/<int:pk>/members/<int:person_pk>/head/": Case(
        "POST", lambda w, s: f"/registry/households/{_r(w, 'household', s).pk}/members/"
                             f"{_r(w, 'member', s).pk}/head/",
        lambda w, s: {"former_head_relation": "spouse", "version": 1}, scoped_record=True),
    "* /registry/households/<int:pk>/memberships/new/": Case(
        "POST", _pk("household", H + "memberships/new/"), lambda w, s: _membership(w, s, "dibao"),
        scoped_record=True),
    "* /registry/pick/persons/": Case("POST", fixed("/registry/pick/persons/"), lambda w, s: {"person_q": "zhang"}),
    "* /registry/pick/households/": Case("POST", fixed("/registry/pick/households/"),
                                         lambda w, s: {"household_q": "zhang"}),
    "* /registry/program-types/": Case("GET", fixed("/registry/program-types/")),
    "* /registry/program-types/new/": Case("POST", fixed("/registry/program-types/new/"), lambda w, s: {
        "code": "winter_relief", "name": "冬季救助", "subject": "either"}),
    # --- API ---
    "GET /api/v1/persons": Case("GET", fixed("/api/v1/persons?q=zw"), api=True),
    "POST /api/v1/persons": Case("POST", fixed("/api/v1/persons"), _new_person, api=True, scoped_body=True),
    "GET /api/v1/persons/<person_id>": Case("GET", _pk("person", AP), api=True, scoped_record=True),
    "PUT /api/v1/persons/<person_id>": Case("PUT", _pk("person", AP), _person_form, api=True,
                                            scoped_record=True),
    "POST /api/v1/persons/<person_id>/unmask": Case("POST", _pk("person", AP + "/unmask"),
                                                    lambda w, s: {"purpose": "核对"}, api=True, scoped_record=True),
    "GET /api/v1/persons/<person_id>/chain": Case("GET", _pk("person", AP + "/chain"), api=True,
                                                  scoped_record=True),
    "POST /api/v1/persons/<person_id>/memberships": Case(
        "POST", _pk("free", AP + "/memberships"), lambda w, s: _membership(w, s, "tekun"), api=True,
        scoped_record=True),
    "GET /api/v1/persons/<person_id>/consents": Case("GET", _pk("person", AP + "/consents"), api=True,
                                                     scoped_record=True),
    "POST /api/v1/persons/<person_id>/consents": Case(
        "POST", _pk("person", AP + "/consents"),
        lambda w, s: {"organisation_id": w.partner.pk, "categories": ["contact"], "purpose": "帮扶"},
        api=True, scoped_record=True),
    "POST /api/v1/consents/<consent_id>/withdraw": Case(
        "POST", _pk("consent", "/api/v1/consents/{pk}/withdraw"), lambda w, s: {"version": 1, "reason": "撤回"},
        api=True, scoped_record=True),
    "GET /api/v1/memberships": Case("GET", fixed("/api/v1/memberships?program=tekun"), api=True),
    "GET /api/v1/memberships/<membership_id>": Case(
        "GET", _pk("membership", "/api/v1/memberships/{pk}"), api=True, scoped_record=True),
    "PUT /api/v1/memberships/<membership_id>": Case(
        "PUT", _pk("membership", "/api/v1/memberships/{pk}"),
        lambda w, s: {**_membership(w, s, "tekun", version=True), "status": "suspended"}, api=True,
        scoped_record=True),
    "GET /api/v1/households": Case("GET", fixed("/api/v1/households"), api=True),
    "POST /api/v1/households": Case(
        "POST", fixed("/api/v1/households"),
        lambda w, s: {"region_code": w.region(s), "members": [{"person_id": _r(w, "free", s).pk, "relation": "head"}]},
        api=True, scoped_body=True),
    "GET /api/v1/households/<household_id>": Case("GET", _pk("household", AH), api=True, scoped_record=True),
    "PUT /api/v1/households/<household_id>": Case(
        "PUT", _pk("household", AH), lambda w, s: {"region_code": w.region(s), "version": 1}, api=True,
        scoped_record=True),
    "POST /api/v1/households/<household_id>/members": Case(
        "POST", _pk("household", AH + "/members"),
        lambda w, s: {"version": 1, "person_id": _r(w, "free", s).pk, "relation": "other"}, api=True,
        scoped_record=True),
    "POST /api/v1/households/<household_id>/members/<person_id>/remove": Case(
        "POST", lambda w, s: f"/api/v1/households/{_r(w, 'household', s).pk}/members/{_r(w, 'member', s).pk}/remove",
        lambda w, s: {"version": 1, "reason": "分户"}, api=True, scoped_record=True),
    "POST /api/v1/households/<household_id>/head": Case(
        "POST", _pk("household", AH + "/head"),
        lambda w, s: {"version": 1, "person_id": _r(w, "member", s).pk, "former_head_relation": "spouse"},
        api=True, scoped_record=True),
    "POST /api/v1/households/<household_id>/unmask": Case(
        "POST", _pk("household", AH + "/unmask"), lambda w, s: {"purpose": "发放核对"}, api=True,
        scoped_record=True),
    "POST /api/v1/households/<household_id>/memberships": Case(
        "POST", _pk("household", AH + "/memberships"), lambda w, s: _membership(w, s, "dibao"), api=True,
        scoped_record=True),
    "GET /api/v1/households/<household_id>/chain": Case("GET", _pk("household", AH + "/chain"), api=True,
                                                        scoped_record=True),
    "GET /api/v1/program-types": Case("GET", fixed("/api/v1/program-types"), api=True),
    "GET /api/v1/persons/export.xlsx": Case("GET", fixed("/api/v1/persons/export.xlsx?q=zw"), api=True),
    "GET /api/v1/households/export.xlsx": Case("GET", fixed("/api/v1/households/export.xlsx"), api=True),
    "GET /api/v1/memberships/export.xlsx": Case("GET", fixed("/api/v1/memberships/export.xlsx?program=tekun"),
                                                api=True),
    "POST /api/v1/program-types": Case("POST", fixed("/api/v1/program-types"), lambda w, s: {
        "code": "winter_relief", "name": "冬季救助"}, api=True),
}

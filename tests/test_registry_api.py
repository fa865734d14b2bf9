"""Registry API and pages: end to end through HTTP, scoped, masked, logged; query counts; demo."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from jijinan.accounts.models import User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core.permissions import Role
from jijinan.registry import services
from jijinan.registry.choices import Relation
from jijinan.registry.models import Consent, Household, HouseholdMember, Membership, Person
from tests.permission_cases.registry import valid_id
from tests.world import PROVINCE, XUANWU, fingerprint, persona

pytestmark = pytest.mark.django_db

VILLAGE = "320102002001"
NUMBER = valid_id("320102", "19850315", 123)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any], method: str = "POST") -> Any:
    return client.generic(method, url, json.dumps(body), content_type="application/json")


@pytest.fixture
def reviewer(world) -> User:  # type: ignore[no-untyped-def]
    return persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)


@pytest.fixture
def api(reviewer) -> Client:  # type: ignore[no-untyped-def]
    return client_for(reviewer)


def _create(api: Client, **overrides: Any) -> Any:
    body = {"name": "赵小明", "residence_region_code": VILLAGE, "id_number": NUMBER, "phone": "13800001111",
            "registered_region_code": "410122001000", "registered_region_name": "河南省郑州市中牟县城关镇"}
    body.update(overrides)
    return post(api, "/api/v1/persons", body)


# --- persons ------------------------------------------------------------------------------------------
def test_register_search_read_and_update_a_person(api):
    created = _create(api)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["birth_date"] == "1985-03-15" and body["sex"] == "M"
    assert body["id_number_masked"] == "3" + "*" * 16 + NUMBER[-1] and body["phone_masked"] == "138****1111"
    assert NUMBER not in created.content.decode() and "13800001111" not in created.content.decode()
    assert body["registered_region_name"] == "河南省郑州市中牟县城关镇" and body["full_view"]
    found = api.get("/api/v1/persons", {"q": "zxm"}).json()
    assert [i["name"] for i in found["items"]] == ["赵小明"]
    assert set(found) == {"items", "count", "page", "page_size", "pages"}
    assert api.get("/api/v1/persons", {"q": NUMBER}).json()["count"] == 1
    updated = post(api, f"/api/v1/persons/{body['id']}", {
        "name": "赵小明", "residence_region_code": VILLAGE, "version": 1, "situation": "失业"}, method="PUT")
    assert updated.status_code == 200 and updated.json()["version"] == 2 and updated.json()["situation"] == "失业"
    stale = post(api, f"/api/v1/persons/{body['id']}", {
        "name": "改", "residence_region_code": VILLAGE, "version": 1}, method="PUT")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert Person.objects.get(pk=body["id"]).name == "赵小明"


def test_bad_input_gets_a_localised_error_naming_the_field(api):
    before = fingerprint()
    response = _create(api, birth_date="1985-03-16", sex="F")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_contradiction"
    assert "1985-03-15" in body["field_errors"]["birth_date"][0] and "sex" in body["field_errors"]
    response = _create(api, residence_region_code="320102000000", registered_region_code="32010")
    assert set(response.json()["field_errors"]) == {"residence_region_code", "registered_region_code"}
    assert _create(api, residence_region_code="abc").status_code == 422
    assert fingerprint() == before


def test_the_list_is_masked_and_counted_in_few_queries(api, reviewer, django_assert_max_num_queries):
    for i in range(15):
        services.person_create(actor=reviewer, data=services.PersonInput(
            name=f"测试{i}", residence_region_code=VILLAGE, id_number=valid_id("320102", "19800101", 400 + i)))
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/persons", {"page_size": 10}).json()
    assert body["count"] == 18 and len(body["items"]) == 10 and body["pages"] == 2  # with the world's 3
    assert all(re.fullmatch(r"3\*{16}[0-9X]", i["id_number_masked"]) for i in body["items"])


def test_unmasking_is_logged_and_refused_roles_leave_a_refusal(world, api, reviewer):
    person_id = _create(api).json()["id"]
    response = post(api, f"/api/v1/persons/{person_id}/unmask", {"purpose": "核对"})
    assert response.json() == {"id_number": NUMBER, "phone": "13800001111", "temporary_number": None}
    assert AccessLog.objects.filter(kind="unmask", subject_id=str(person_id), actor_id=reviewer.pk).count() == 1
    clerk = client_for(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    refused = post(clerk, f"/api/v1/persons/{person_id}/unmask", {})
    assert refused.status_code == 403 and NUMBER not in refused.content.decode()
    event = AuditEvent.objects.filter(outcome="refused").latest("id")
    assert (event.action, event.subject_type, event.subject_id, event.region_code) == (
        "registry.person.unmask", "registry.person", str(person_id), VILLAGE)
    # Reading the record shows it masked and logs the view with the fields shown.
    clerk.get(f"/api/v1/persons/{person_id}")
    log = AccessLog.objects.filter(kind="view", subject_id=str(person_id)).latest("id")
    assert {"id_number", "phone", "situation"} <= set(log.fields)


def test_an_out_of_scope_person_is_not_found(world, api):
    gulou = Person.objects.get(name="张卫")
    assert api.get(f"/api/v1/persons/{gulou.pk}").status_code == 404
    assert post(api, f"/api/v1/persons/{gulou.pk}/unmask", {}).status_code == 404


def test_partners_see_only_what_was_consented(world, reviewer):
    partner = client_for(persona(world, Role.PARTNER_STAFF, at=PROVINCE))
    names = {i["name"] for i in partner.get("/api/v1/persons").json()["items"]}
    assert names == {"张伟", "张卫"}  # the world's consents
    person = Person.objects.get(name="张伟")
    Consent.objects.filter(person=person, organisation=world.partner).update(categories=["health"])
    body = partner.get(f"/api/v1/persons/{person.pk}").json()
    assert body["categories"] == ["health"] and not body["full_view"]
    assert body["id_number_masked"] is None and body["phone_masked"] is None and body["memberships"] is None
    assert body["serious_illness"] is False and body["version"] is None
    assert partner.get(f"/api/v1/persons/{person.pk}/chain").json() == []
    Consent.objects.filter(person=person, organisation=world.partner).update(categories=["programs"])
    titles = [e["title"] for e in partner.get(f"/api/v1/persons/{person.pk}/chain").json()]
    assert "纳入特困人员" in titles and not any("授权" in t for t in titles)  # not whom else they share with


# --- households ------------------------------------------------------------------------------------------
def test_households_with_members_head_and_bank_account(world, api, reviewer):
    ids = [_create(api, name=n, id_number=valid_id("320102", "19800101", 500 + i), phone=None).json()["id"]
           for i, n in enumerate(["户主甲", "配偶乙", "子女丙"])]
    before = fingerprint()
    two_heads = post(api, "/api/v1/households", {"region_code": VILLAGE, "members": [
        {"person_id": ids[0], "relation": "head"}, {"person_id": ids[1], "relation": "head"}]})
    assert two_heads.status_code == 400 and two_heads.json()["code"] == "two_heads"
    assert fingerprint() == before
    created = post(api, "/api/v1/households", {
        "region_code": VILLAGE, "monthly_income_fen": 210000, "bank_account": "6222021001012345678",
        "members": [{"person_id": ids[0], "relation": "head"}, {"person_id": ids[1], "relation": "spouse"}]})
    assert created.status_code == 201, created.content
    household = created.json()
    assert household["head_name"] == "户主甲" and household["bank_account_masked"] == "6222***********5678"
    hid = household["id"]
    in_two = post(api, "/api/v1/households", {"region_code": VILLAGE, "members": [
        {"person_id": ids[2], "relation": "head"}, {"person_id": ids[1], "relation": "child"}]})
    assert in_two.status_code == 400 and in_two.json()["code"] == "already_in_household"
    added = post(api, f"/api/v1/households/{hid}/members", {"version": 1, "person_id": ids[2], "relation": "child"})
    assert added.status_code == 200 and len(added.json()["members"]) == 3
    head = post(api, f"/api/v1/households/{hid}/head", {"version": 2, "person_id": ids[1],
                                                          "former_head_relation": "spouse"})
    assert head.json()["head_name"] == "配偶乙"
    removed = post(api, f"/api/v1/households/{hid}/members/{ids[2]}/remove", {"version": 3, "reason": "分户"})
    assert [m["left_on"] is not None for m in removed.json()["members"]].count(True) == 1
    revealed = post(api, f"/api/v1/households/{hid}/unmask", {"purpose": "发放"})
    assert revealed.json() == {"bank_account": "6222021001012345678"}
    membership = post(api, f"/api/v1/households/{hid}/memberships", {"program": "dibao", "start_date": "2024-01-01"})
    assert membership.status_code == 201 and membership.json()["household_id"] == hid
    chain = api.get(f"/api/v1/households/{hid}/chain").json()
    assert "纳入低保" in [e["title"] for e in chain]
    assert [h["id"] for h in api.get("/api/v1/households", {"q": "peiouyi"}).json()["items"]] == [hid]
    assert [h["id"] for h in api.get("/api/v1/households", {"q": "配偶乙"}).json()["items"]] == [hid]


def test_consents_through_the_api(world, api):
    person = Person.objects.get(name="张伟")
    created = post(api, f"/api/v1/persons/{person.pk}/consents", {
        "department_type": "trade_union", "categories": ["contact", "economic"], "purpose": "困难职工帮扶"})
    assert created.status_code == 201 and created.json()["live"]
    withdrawn = post(api, f"/api/v1/consents/{created.json()['id']}/withdraw", {"version": 1, "reason": "本人撤回"})
    assert withdrawn.json()["live"] is False
    listed = api.get(f"/api/v1/persons/{person.pk}/consents").json()
    assert len(listed) == 4


def test_program_types_are_data(world):
    admin = client_for(persona(world, Role.ADMINISTRATOR, at=PROVINCE))
    codes = [p["code"] for p in admin.get("/api/v1/program-types").json()]
    assert {"dibao", "tekun", "dibao_edge", "rigid_expense", "high_risk_household", "orphan",
            "de_facto_unsupported_child", "severe_disability"} <= set(codes)
    created = post(admin, "/api/v1/program-types",
                   {"code": "winter_relief", "name": "冬季救助", "subject": "household"})
    assert created.status_code == 201
    assert post(admin, "/api/v1/program-types", {"code": "winter_relief", "name": "冬季"}).status_code == 400


# --- pages --------------------------------------------------------------------------------------------------
def test_pages_search_show_masked_and_unmask_once(world, reviewer, django_assert_max_num_queries):
    page = client_for(reviewer)
    response = page.post("/registry/persons/new/", {
        "name": "赵小明", "id_number": NUMBER, "residence_region_code": VILLAGE, "birth_date": "1985-03-16",
        "employment": "unknown", "education": "unknown"})
    assert response.status_code == 400 and "与身份证号不符" in response.content.decode()
    response = page.post("/registry/persons/new/", {
        "name": "赵小明", "id_number": NUMBER, "residence_region_code": VILLAGE, "phone": "13800001111",
        "employment": "unknown", "education": "unknown"})
    assert response.status_code == 302
    pk = Person.objects.get(name="赵小明").pk
    with django_assert_max_num_queries(12):
        listing = page.get("/registry/persons/", {"q": "zhaoxiao"})
    assert "赵小明" in listing.content.decode() and NUMBER not in listing.content.decode()
    detail = page.get(f"/registry/persons/{pk}/").content.decode()
    assert "3" + "*" * 16 + NUMBER[-1] in detail and NUMBER not in detail
    supervisor = client_for(persona(world, Role.SUPERVISOR, at=XUANWU))
    panels = supervisor.get(f"/registry/persons/{pk}/").content.decode()
    assert "audit-history-slot" in panels and "audit-viewers-slot" in panels
    assert 'style="' not in detail and "<script>" not in detail
    shown = page.post(f"/registry/persons/{pk}/unmask/", {"purpose": "核对"}).content.decode()
    assert NUMBER in shown and "13800001111" in shown
    assert NUMBER not in page.get(f"/registry/persons/{pk}/").content.decode()
    assert page.get("/registry/persons/", {"q": "!!!"}).status_code == 400


def test_household_pages(world, reviewer):
    page = client_for(reviewer)
    head = Person.objects.get(name="王芳")  # the world's person in no household
    form = page.get(f"/registry/households/new/?head={head.pk}").content.decode()
    assert VILLAGE in form
    response = page.post("/registry/households/new/", {
        "head": str(head.pk), "region_code": VILLAGE, "monthly_income": "1234.50", "financial_assets": "0",
        "vehicles": 0, "bank_account": "6222021001012345678"})
    assert response.status_code == 302, response.content.decode()
    household = HouseholdMember.objects.get(person=head, left_on__isnull=True).household
    assert household.monthly_income_fen == 123450
    detail = page.get(f"/registry/households/{household.pk}/").content.decode()
    assert "1,234.50" in detail and "6222***********5678" in detail and "6222021001012345678" not in detail
    assert "王芳户" in detail
    other = Person.objects.get(name="李娜")  # already a member of the world's household
    page.post(f"/registry/households/{household.pk}/members/add/", {
        "person": str(other.pk), "relation": "spouse", "version": 1})
    assert not HouseholdMember.objects.filter(household=household, person=other).exists()
    listing = page.get("/registry/households/", {"q": "wangfang"}).content.decode()
    assert "王芳" in listing


def test_a_refused_page_unmask_is_logged(world):
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    person = Person.objects.get(name="张伟")
    response = client_for(clerk).post(f"/registry/persons/{person.pk}/unmask/")
    assert response.status_code == 403
    event = AuditEvent.objects.filter(outcome="refused", subject_id=str(person.pk)).get()
    assert event.region_code == VILLAGE and event.actor_id == clerk.pk


def test_the_demo_is_repeatable_and_shows_the_registry():
    call_command("demo", stdout=io.StringIO())
    counts = (Person.objects.count(), Household.objects.count(), Membership.objects.count(), Consent.objects.count())
    assert counts[0] >= 25 and counts[1] >= 10 and counts[2] >= 10 and counts[3] >= 5
    assert Person.objects.filter(id_unknown=True).count() == 1
    assert Person.objects.filter(registered_region__isnull=True).exclude(registered_region_code="").exists()
    call_command("demo", stdout=io.StringIO())
    assert (Person.objects.count(), Household.objects.count(), Membership.objects.count(),
            Consent.objects.count()) == counts
    partner = client_for(User.objects.get(username="partner_staff"))
    User.objects.update(must_change_password=False)
    names = {i["name"] for i in partner.get("/api/v1/persons").json()["items"]}
    assert names == {"李秀英", "刘芳", "林小雨"}
    assert HouseholdMember.objects.filter(relation=Relation.HEAD, left_on__isnull=True).count() == \
        Household.objects.count()

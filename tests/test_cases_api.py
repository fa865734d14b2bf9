"""The cases API: intake (201, a replay 200, a different body 409), field errors, scope, the case,
its timeline, attachments by content, the vocabularies."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jijinan.cases.intake.attachments import MAX_ATTACHMENT_BYTES
from jijinan.cases.models import Case, CaseAttachment, CaseEvent
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.registry.models import Person
from jijinan.verification.demo import tiny_png
from tests.permission_cases.registry import valid_id
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

VILLAGE, GULOU_VILLAGE = "320102002001", "320106001001"


@pytest.fixture
def api(world):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    return client


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "channel": "hotline_12345", "handling_region_code": VILLAGE,
        "event_at": (timezone.now() - timedelta(hours=1)).isoformat(), "categories": ["fire"],
        "needs": ["food_shelter", "money"], "description": "居民楼火灾，一户无处居住", "subject_name": "来电人",
        "reporter_phone": "13905171234", "work_orders": {"12345": "NJ-2026-1"}, "client_key": "key-1"}
    values.update(overrides)
    return values


def post(client: Client, data: dict[str, Any]) -> Any:
    return client.post("/api/v1/cases", json.dumps(data), content_type="application/json")


def _counts() -> tuple[int, int, int, int]:
    return (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count(), Person.objects.count())


def test_intake_answers_201_then_200_for_a_replay_and_409_for_another_body(api):  # type: ignore[no-untyped-def]
    data = body()
    created = post(api, data)
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"].startswith("JJ320102002000") and case["stage"] == "accepted"
    assert case["reporter_phone_masked"] != "13905171234" and case["work_orders"] == {"12345": "NJ-2026-1"}
    assert case["triage"]["urgency"] == "urgent"
    before = _counts()
    replay = post(api, data)
    assert replay.status_code == 200 and replay.json()["id"] == case["id"]
    conflict = post(api, {**data, "description": "另一件事"})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "client_key_reused" and case["number"] in conflict.json()["message"]
    assert _counts() == before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"categories": []}, "categories"),
    ({"handling_region_code": "320102999000"}, "handling_region_code"),
    ({"person_id": 999_999, "subject_name": ""}, "person_id"),
    ({"needs": ["yacht"]}, "needs"),
])
def test_bad_input_names_the_field_and_creates_nothing(api, overrides, field):  # type: ignore[no-untyped-def]
    before = _counts()
    response = post(api, body(**overrides))
    assert response.status_code == 400
    assert field in response.json()["field_errors"] and response.json()["message"]
    assert _counts() == before


def test_a_future_event_is_refused(api):  # type: ignore[no-untyped-def]
    response = post(api, body(event_at=(timezone.now() + timedelta(days=1)).isoformat()))
    assert response.status_code == 400 and response.json()["code"] == "future_event"


def test_an_out_of_scope_region_is_403_and_changes_nothing(api):  # type: ignore[no-untyped-def]
    before = _counts()
    response = post(api, body(handling_region_code=GULOU_VILLAGE))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert _counts() == before


def test_a_new_person_through_the_api(api):  # type: ignore[no-untyped-def]
    response = post(api, body(subject_name="", new_person={
        "name": "钱新", "residence_region_code": VILLAGE, "id_number": valid_id("320102", "19880808", 31)}))
    assert response.status_code == 201, response.content
    subject = response.json()["subject"]
    assert subject["kind"] == "person" and subject["name"] == "钱新"
    assert subject["id_number_masked"] and valid_id("320102", "19880808", 31) not in json.dumps(response.json())


def test_the_case_and_its_timeline(api, world):  # type: ignore[no-untyped-def]
    case_id = post(api, body()).json()["id"]
    detail = api.get(f"/api/v1/cases/{case_id}")
    assert detail.status_code == 200 and detail.json()["id"] == case_id
    timeline = api.get(f"/api/v1/cases/{case_id}/timeline").json()
    kinds = [e["kind"] for e in timeline]
    assert "intake" in kinds and "triage" in kinds and "audit:cases.case.intake" in kinds
    assert {e["source"] for e in timeline} == {"case", "audit"}
    outsider = Client()
    outsider.force_login(persona(world, Role.WINDOW_CLERK, at="320106000000"))
    assert outsider.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert outsider.get(f"/api/v1/cases/{case_id}/timeline").status_code == 404


def test_attachments_are_checked_by_content(api):  # type: ignore[no-untyped-def]
    case_id = post(api, body()).json()["id"]
    url = f"/api/v1/cases/{case_id}/attachments"
    ok = api.post(url, {"file": SimpleUploadedFile("photo.png", tiny_png())})
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/png"
    before = CaseAttachment.objects.count()
    disguised = api.post(url, {"file": SimpleUploadedFile("photo.png", b"#!/bin/sh\nrm -rf /\n")})
    assert disguised.status_code == 400 and disguised.json()["code"] == "bad_attachment"
    renamed = api.post(url, {"file": SimpleUploadedFile("scan.pdf", tiny_png())})
    assert renamed.status_code == 400
    big = api.post(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES)})
    assert big.status_code == 400 and big.json()["code"] == "attachment_too_large"
    assert CaseAttachment.objects.count() == before


def test_an_informant_reports_and_sees_their_report_in_the_answer(world):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(persona(world, Role.INFORMANT, at=XUANWU))
    response = post(client, body(channel="informant"))
    assert response.status_code == 201 and response.json()["stage"] == "reported"
    # The case page is for the office that handles it.
    assert client.get(f"/api/v1/cases/{response.json()['id']}").status_code == 403


def test_the_vocabularies(api):  # type: ignore[no-untyped-def]
    categories = [c["name"] for c in api.get("/api/v1/case-categories").json()]
    assert categories == ["重病", "意外伤害", "灾害", "火灾", "失业", "就学", "住房", "流浪乞讨", "家庭变故",
                          "心理危机", "其他"]
    needs = [n["code"] for n in api.get("/api/v1/need-types").json()]
    assert needs == ["money", "medical", "education", "housing", "employment", "care", "counselling",
                     "food_shelter", "legal", "other"]


def test_the_intake_answer_is_the_case_as_read_back(api):  # type: ignore[no-untyped-def]
    # The answer is built from the new case without reading it again: it must be what a read gives
    # (the phone and the ID number masked, never the plain input; times in UTC; the triage as stored).
    from jijinan.registry.models import Household, HouseholdMember
    from jijinan.registry.services import PersonInput, person_create

    east8 = timezone.get_fixed_timezone(480)
    event_at = (timezone.now() - timedelta(hours=1)).astimezone(east8).isoformat()
    new = post(api, body(event_at=event_at, subject_name="", client_key="k-new", new_person={
        "name": "钱新", "residence_region_code": VILLAGE, "id_number": valid_id("320102", "19880808", 31)}))
    head = person_create(actor=None, data=PersonInput(name="张伟", residence_region_code=VILLAGE,
                                                      id_number=valid_id("320102", "19660606", 11)))
    household = Household.objects.create(region=head.residence_region, monthly_income_fen=50_000)
    HouseholdMember.objects.create(household=household, person=head, relation="head")
    known = post(api, body(person_id=head.pk, subject_name="", client_key="k-known", urgency="critical"))
    for created in (new, known):
        assert created.status_code == 201, created.content
        answer = created.json()
        assert answer == api.get(f"/api/v1/cases/{answer['id']}").json()
        assert answer["reporter_phone_masked"] and "13905171234" not in json.dumps(answer)
        assert answer["subject"]["id_number_masked"] and answer["event_at"].endswith("Z")
    assert known.json()["triage"]["suggestions"] and known.json()["urgency"] == "critical"
    assert post(api, body(client_key="k-new")).status_code == 409


def test_an_intake_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    assert post(api, body(client_key="k-warm")).status_code == 201  # caches of the first request
    # Session and user, grants, client key, region (a village, then its township), categories,
    # needs; then in one transaction (a savepoint here): the number, the case (triage included), its
    # events, the audit event, the outbox messages, their deliveries, the stage's deadline (5 when
    # its parameter is missing, as here), the emergency's aid deadline, the search entry; no
    # read-back; the session saved.
    with django_assert_max_num_queries(25):
        response = post(api, body(client_key="k-count"))
    assert response.status_code == 201 and response.json()["triage"]["urgency"] == "urgent"
    kinds = list(CaseEvent.objects.filter(case_id=response.json()["id"]).order_by("id").values_list("kind", flat=True))
    assert kinds[:3] == ["intake", "triage", "suggestion"]
    assert OutboxMessage.objects.filter(subject_type="cases.case", subject_id=str(response.json()["id"])).count() == 2

"""The case line taken as its users take it, through the API and the pages: a hotline case for a
caller nobody registered is identified and then decided; a household names its applicant; a lone
applicant's income and property are asked for, never taken as none; the make-up review keeps the
amount paid first; causes and expenses are picked, not typed as codes; closing with a need never
routed to a department asks for a reason."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AuditEvent
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseEvent, CaseReview
from jijinan.cases.workflow import services as wf
from jijinan.core.permissions import Role
from jijinan.policy.models import Decision
from jijinan.registry.models import Person
from tests.permission_cases.registry import valid_id
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

VILLAGE = "320102002001"


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.HOTLINE_OPERATOR, Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD)}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def _workflow(client: Client, case_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}/workflow")
    assert response.status_code == 200, response.content
    return response.json()


def _found(client: Client, q: str) -> list[int]:
    response = client.get("/api/v1/cases/search", {"q": q})
    assert response.status_code == 200, response.content
    rows = response.json()
    return [r["id"] for r in (rows["items"] if isinstance(rows, dict) else rows)]


def _action(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in state["actions"] if a["name"] == name)


def _review_body(version: int, **overrides: Any) -> dict[str, Any]:
    return {"version": version, "opinion": "经电话核实和入户调查，家中失火，情况属实", "requested_amount_fen": 200000,
            "home_visit_on": timezone.localdate().isoformat(), **overrides}


def _state(case_id: int) -> tuple[Any, ...]:
    case = Case.objects.get(pk=case_id)
    return (case.version, case.stage, case.person_id, case.household_id, case.subject_kind,
            CaseEvent.objects.filter(case_id=case_id).count(), CaseReview.objects.filter(case_id=case_id).count(),
            Person.objects.count())


# --- a hotline case for an unregistered caller, through the API alone ----------------------------------------


def test_a_hotline_case_for_an_unregistered_caller_goes_from_intake_to_closure_through_the_api(people):
    hotline = _client(people[Role.HOTLINE_OPERATOR])
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    lead = _client(people[Role.TOWNSHIP_LEAD])
    created = _post(hotline, "/api/v1/cases", {
        "channel": "hotline_12345", "handling_region_code": VILLAGE,
        "event_at": (timezone.now() - timedelta(hours=2)).isoformat(), "categories": ["fire"], "needs": ["money"],
        "description": "来电人家中失火，无处居住", "subject_name": "来电人", "subject_description": "男，约五十岁",
        "reporter_phone": "13905171234", "work_orders": {"12345": "NJ12345-2026-0007"}, "client_key": "wo-0007"})
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert _found(reviewer, "NJ12345-2026-0007") == [case_id]  # by the hotline's work-order number

    # Not reviewable yet, and the workflow says so before anyone tries.
    state = _workflow(reviewer, case_id)
    review = _action(state, "review")
    assert not review["allowed"] and "身份不明" in review["why"]
    before = _state(case_id)
    refused = _post(reviewer, f"/api/v1/cases/{case_id}/review", _review_body(state["version"]))
    assert refused.status_code == 400 and refused.json()["code"] == "subject_unidentified"
    assert _state(case_id) == before

    # The hotline may not identify (nor register); township staff may, with the case's version.
    new_person = {"name": "张来电", "residence_region_code": VILLAGE, "id_number": valid_id("320102", "19700101", 7)}
    body = {"version": state["version"], "new_person": new_person, "note": "本人到窗口出示身份证"}
    assert _post(hotline, f"/api/v1/cases/{case_id}/identify-subject", body).status_code == 403
    stale = _post(reviewer, f"/api/v1/cases/{case_id}/identify-subject", {**body, "version": state["version"] - 1})
    assert stale.status_code == 409 and _state(case_id) == before
    identified = _post(reviewer, f"/api/v1/cases/{case_id}/identify-subject", body)
    assert identified.status_code == 200, identified.content
    out = identified.json()
    assert out["version"] == state["version"] + 1 and out["subject"]["kind"] == "person"
    assert valid_id("320102", "19700101", 7) not in identified.content.decode()  # masked
    case = Case.objects.get(pk=case_id)
    assert case.person is not None and case.person.name == "张来电" and case.subject_description == "男，约五十岁"
    event = case.events.get(kind="subject_identified")
    assert "来电人" in event.summary and "男，约五十岁" in event.summary and "本人到窗口出示身份证" in event.summary
    assert AuditEvent.objects.filter(action="cases.case.identify_subject", subject_id=str(case_id)).exists()
    assert _found(reviewer, "张来电") == [case_id]  # the name now on the case
    again = _post(reviewer, f"/api/v1/cases/{case_id}/identify-subject", {**body, "version": out["version"]})
    assert again.status_code == 409 and again.json()["code"] == "subject_identified"

    # Now the line runs: review, approval, aid, payment, follow-up, closure.
    state = _workflow(reviewer, case_id)
    assert _action(state, "review")["allowed"]
    reviewed = _post(reviewer, f"/api/v1/cases/{case_id}/review", _review_body(state["version"]))
    assert reviewed.status_code == 200, reviewed.content
    approved = _post(lead, f"/api/v1/cases/{case_id}/approve", {"version": reviewed.json()["version"]})
    assert approved.status_code == 200, approved.content
    assisted = _post(reviewer, f"/api/v1/cases/{case_id}/assist",
                     {"version": approved.json()["version"], "amount_fen": 200000, "method": "bank"})
    assert assisted.status_code == 200, assisted.content
    payment = assisted.json()["aid"][0]["payments"][0]
    paid = _post(reviewer, f"/api/v1/cases/{case_id}/payments/{payment['id']}/status",
                 {"version": payment["version"], "status": "paid", "reference": "NS20261207001"})
    assert paid.status_code == 200, paid.content
    moved = _post(reviewer, f"/api/v1/cases/{case_id}/follow-up", {"version": assisted.json()["version"]})
    assert moved.status_code == 200, moved.content
    followed = _post(reviewer, f"/api/v1/cases/{case_id}/follow-ups", {
        "version": moved.json()["version"], "method": "phone", "done_on": timezone.localdate().isoformat(),
        "outcome": "救助金已到账，已租房", "satisfaction": 5, "need_resolved": True})
    assert followed.status_code == 201, followed.content

    # Money after a fire is also the emergency-management office's to meet: closing warns, asks why.
    state = _workflow(reviewer, case_id)
    close = _action(state, "close")
    assert close["allowed"] and close["reason_required"] and any("应急管理" in w for w in close["warnings"])
    before = _state(case_id)
    unexplained = _post(reviewer, f"/api/v1/cases/{case_id}/close", {"version": state["version"]})
    assert unexplained.status_code == 400 and unexplained.json()["code"] == "close_reason_required"
    assert "reason" in unexplained.json()["field_errors"] and _state(case_id) == before
    closed = _post(reviewer, f"/api/v1/cases/{case_id}/close",
                   {"version": state["version"], "reason": "受灾救助已由街道统一申报，无需另行转办"})
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    assert "无需另行转办" in Case.objects.get(pk=case_id).events.get(kind="stage.close").summary
    assert _found(reviewer, "NJ12345-2026-0007") == [case_id]  # a caller asking later still finds it


def test_identifying_through_the_page_picks_a_household_and_names_its_head(people):
    head = _person("王建国", TOWNSHIP, 31)
    household = _household(head, _person("李秀英", TOWNSHIP, 32))
    case = case_intake(actor=people[Role.HOTLINE_OPERATOR], data=intake(
        channel="hotline_12345", subject_name="老王", subject_description="独居老人", needs=["money"])).case
    clerk = _client(people[Role.WINDOW_CLERK])
    page = clerk.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="identify-link"' in page
    assert 'data-testid="identify-link"' not in _client(people[Role.HOTLINE_OPERATOR]).get(
        f"/cases/{case.pk}/").content.decode()

    url = f"/cases/{case.pk}/identify-subject/"
    found = clerk.post(url, {"step": "search", "q": "王建国"})
    assert found.status_code == 200
    text = found.content.decode()
    assert "王建国" in text and f'value="h:{household.pk}"' in text and f'value="p:{head.pk}"' in text
    assert valid_id(TOWNSHIP[:6], "19660606", 31) not in text  # the ID number shows masked

    nothing = clerk.post(url, {"step": "identify", "q": "王建国", "version": case.version, "note": "邻居指认"})
    assert nothing.status_code == 400
    kept = nothing.content.decode()
    assert "请在查找结果中选择救助对象或家庭" in kept and "邻居指认" in kept and f'value="h:{household.pk}"' in kept

    done = clerk.post(url, {"step": "identify", "q": "王建国", "version": case.version,
                            "choice": f"h:{household.pk}", "note": "邻居指认"})
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.subject_kind, case.household_id, case.person_id) == ("household", household.pk, head.pk)
    page = clerk.get(f"/cases/{case.pk}/").content.decode()
    assert "王建国" in page and 'data-testid="identify-link"' not in page and "老王" in page  # the timeline keeps it


def test_registering_the_subject_on_the_page_keeps_every_error_and_the_input(people):
    case = case_intake(actor=people[Role.HOTLINE_OPERATOR], data=intake(channel="hotline_12345",
                                                                        subject_name="来电人")).case
    clerk = _client(people[Role.WINDOW_CLERK])
    url = f"/cases/{case.pk}/identify-subject/"
    blank = clerk.post(url, {"step": "register", "version": case.version, "name": "张三",
                             "residence_region": "320102002000"})
    assert blank.status_code == 400
    assert "请填写身份证号" in blank.content.decode() and 'value="张三"' in blank.content.decode()
    wrong = clerk.post(url, {"step": "register", "version": case.version, "name": "张三",
                             "residence_region": "320102002000", "id_number": "320102197001010000"})
    assert wrong.status_code == 400 and Case.objects.get(pk=case.pk).subject_kind == "unidentified"
    done = clerk.post(url, {"step": "register", "version": case.version, "name": "张三",
                            "residence_region": "320102002000", "id_unknown": "on"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.person is not None and case.person.temporary_number and case.subject_name == "张三"


# --- the household's applicant ----------------------------------------------------------------------------


def test_a_household_case_names_its_head_on_the_page_the_queue_and_the_api(people):
    head = _person("王建国", TOWNSHIP, 41)
    household = _household(head, _person("李秀英", TOWNSHIP, 42))
    clerk = _client(people[Role.WINDOW_CLERK])
    created = _post(clerk, "/api/v1/cases", {
        "channel": "window", "handling_region_code": TOWNSHIP, "household_id": household.pk,
        "event_at": (timezone.now() - timedelta(hours=2)).isoformat(), "categories": ["fire"], "needs": ["money"],
        "description": "家中失火"})
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert created.json()["subject"]["kind"] == "household" and created.json()["subject"]["person_id"] == head.pk
    page = clerk.get(f"/cases/{case_id}/").content.decode()
    assert "王建国" in page
    queue = _client(people[Role.TOWNSHIP_REVIEWER]).get("/cases/queue/").content.decode()
    assert "王建国" in queue
    rows = _client(people[Role.TOWNSHIP_REVIEWER]).get("/api/v1/cases/queue").json()
    rows = rows["items"] if isinstance(rows, dict) else rows
    assert any(r["id"] == case_id and r["subject_name"] == "王建国" for r in rows)


# --- the lone applicant's means ---------------------------------------------------------------------------


def test_a_lone_applicant_is_asked_for_income_and_property_or_their_declaration_of_none(people):
    loner = _person("赵独居", TOWNSHIP, 51)  # registered, no household
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(person_id=loner.pk, subject_name="",
                                                                    categories=["serious_illness"],
                                                                    needs=["money"])).case
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    expense = {"kind": "expense", "cause": "medical", "expenses": [["medical", 600000]],
               "requested_amount_fen": 300000}
    before = _state(case.pk)
    asked = _post(reviewer, f"/api/v1/cases/{case.pk}/review", _review_body(case.version, **expense))
    assert asked.status_code == 400 and asked.json()["code"] == "means_missing"
    assert set(asked.json()["field_errors"]) == {"declared_monthly_income_fen", "declared_assets_fen"}
    assert _state(case.pk) == before and not Decision.objects.filter(subject_id=str(case.pk)).exists()

    # What they declared is what the income test reads: 8,000 a month is far above the line.
    rich = _post(reviewer, f"/api/v1/cases/{case.pk}/review", _review_body(
        case.version, **expense, declared_monthly_income_fen=800000, declared_assets_fen=0))
    assert rich.status_code == 200, rich.content
    review = CaseReview.objects.get(case=case)
    assert review.means == {"source": "declared", "monthly_income_fen": 800000, "assets_fen": 0}
    assert review.decision.inputs["annual_income_fen"] == 800000 * 12 and not review.decision.eligible

    other = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(person_id=loner.pk, subject_name="",
                                                                     categories=["accident"],
                                                                     needs=["money"])).case
    declared = _post(reviewer, f"/api/v1/cases/{other.pk}/review", _review_body(
        other.version, **expense, declared_none=True))
    assert declared.status_code == 200, declared.content
    assert CaseReview.objects.get(case=other).means == {"source": "declared_none"}


def test_the_review_page_picks_causes_and_expenses_and_shows_every_error_at_once(people):
    loner = _person("赵独居", TOWNSHIP, 52)
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(person_id=loner.pk, subject_name="",
                                                                    categories=["serious_illness"],
                                                                    needs=["money"])).case
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert '<select name="review-cause"' in page and ">医疗支出</option>" in page
    assert 'name="review-expense_medical"' in page and "medical 5000" not in page
    form = {"review-version": case.version, "review-opinion": "大病住院，自付费用高", "review-requested_amount": "3000",
            "review-kind": "expense", "review-severity": "general", "review-cause": "medical",
            "review-expense_medical": "6000", "review-appraisal": "not_used",
            "review-home_visit_on": timezone.localdate().isoformat()}
    missing = reviewer.post(f"/cases/{case.pk}/act/review/", form)
    assert missing.status_code == 400
    text = missing.content.decode()
    assert text.count("申请人未登记家庭") >= 2 and 'value="6000"' in text  # both fields, the input kept
    done = reviewer.post(f"/cases/{case.pk}/act/review/", {**form, "review-declared_income": "0",
                                                            "review-declared_assets": "1200"})
    assert done.status_code == 302
    decision = CaseReview.objects.get(case=case).decision
    assert decision.inputs["expenses"] == [{"kind": "medical", "amount_fen": 600000, "description": ""}]
    assert decision.inputs["cause"] == "medical" and decision.inputs["property"]["financial_assets_fen"] == 120000


# --- the make-up review -----------------------------------------------------------------------------------


def test_the_make_up_review_keeps_the_amount_paid_first_or_says_why_not(people):
    head = _person("王建国", TOWNSHIP, 61)
    household = _household(head)
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", needs=["money"])).case
    case = wf.case_fast_track(actor=people[Role.TOWNSHIP_REVIEWER], case=case, version=case.version,
                              amount_fen=200000, method="cash")
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="makeup_review-requested_amount" value="2000.00"' in page  # filled in with what was paid
    form = {"makeup_review-version": case.version, "makeup_review-opinion": "补办：情况属实",
            "makeup_review-requested_amount": "8000", "makeup_review-kind": "emergency",
            "makeup_review-severity": "general", "makeup_review-appraisal": "not_used",
            "makeup_review-home_visit_on": timezone.localdate().isoformat()}
    before = _state(case.pk)
    refused = reviewer.post(f"/cases/{case.pk}/act/makeup_review/", form)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "2,000.00" in text and "8,000.00" in text and 'value="8000"' in text
    assert _state(case.pk) == before
    api = _post(reviewer, f"/api/v1/cases/{case.pk}/makeup-review", _review_body(
        case.version, requested_amount_fen=800000))
    assert api.status_code == 400 and "requested_amount_fen" in api.json()["field_errors"]
    done = reviewer.post(f"/cases/{case.pk}/act/makeup_review/", {**form, "makeup_review-requested_amount": "2000"})
    assert done.status_code == 302
    assert CaseReview.objects.get(case=case).requested_amount_fen == 200000


# --- closing with a need never routed ---------------------------------------------------------------------


def test_closing_on_the_page_with_a_need_never_routed_warns_and_asks_for_a_reason(people):
    head = _person("王建国", TOWNSHIP, 71)
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, subject_name="", needs=["medical"])).case
    case = wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=case, version=case.version,
                              reason="已由医院申请疾病应急救助")
    Case.objects.filter(pk=case.pk).update(stage="denied")  # closing is offered from a refusal
    case.refresh_from_db()
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="warn-close"' in page and "医疗" in page and "医保" in page
    before = _state(case.pk)
    bare = reviewer.post(f"/cases/{case.pk}/act/close/", {"close-version": case.version})
    assert bare.status_code == 400 and "请说明结案理由" in bare.content.decode() and _state(case.pk) == before
    done = reviewer.post(f"/cases/{case.pk}/act/close/", {"close-version": case.version,
                                                          "close-reason": "医疗费用已由医院疾病应急救助解决"})
    assert done.status_code == 302 and Case.objects.get(pk=case.pk).stage == "closed"


def test_the_workflow_says_why_a_move_is_above_the_users_authority_before_they_try(people, world):
    from jijinan.cases.workflow.services import relative_filing_add

    head = _person("王建国", TOWNSHIP, 81)
    relative_filing_add(actor=people[Role.TOWNSHIP_LEAD], person=head, relative_name="王科长", relative_post="科长",
                        relation="兄弟")
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(person_id=head.pk, subject_name="",
                                                                    needs=["money"])).case
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    review = _action(_workflow(reviewer, case.pk), "review")
    assert not review["allowed"] and "近亲属" in review["why"]
    refused = _post(reviewer, f"/api/v1/cases/{case.pk}/review", _review_body(case.version))
    assert refused.status_code == 403  # what the workflow said
    county = _client(persona(world, Role.COUNTY_APPROVER, at=XUANWU))
    assert _action(_workflow(county, case.pk), "review")["allowed"]

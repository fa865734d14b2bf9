"""A case handed over to another township (转出): it waits in the receiving township's queues marked
as waiting for its decision, its staff open it and accept it there through the page; the sending
township then keeps only its record of the hand-over; a third township sees nothing. A refusal
returns it to the sender as before."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from jijinan.cases.choices import Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case
from jijinan.cases.queues.selectors import RECEIVING_ROLES
from jijinan.cases.workflow.transitions import TRANSITIONS
from jijinan.core.permissions import Role
from jijinan.regions.services import regions_load_csv
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import persona

pytestmark = pytest.mark.django_db

SENDER = TOWNSHIP  # 梅园新村街道, 玄武区
RECEIVER = "320106001000"  # 宁海路街道, 鼓楼区
THIRD = "320102004000"  # another street of 玄武区
MARK = 'data-mark="awaiting-transfer-decision"'


def extend_module_world(world: Any) -> None:
    regions_load_csv(text=f"code,name,level,parent_code\n{THIRD},玄武门街道,township,320102000000\n",
                     valid_from=date(2022, 10, 31), source="test")


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    """Staff granted at each of the three townships."""
    made = {}
    for place in (SENDER, RECEIVER, THIRD):
        for role in (Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD):
            made[place, role] = persona(world, role, at=place)
    return made


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    head = _person("王建国", SENDER, 41, phone="13912345678")
    return head, _household(head, _person("李秀英", SENDER, 42))


def _case(people: dict[Any, Any], subject: Any, **overrides: Any) -> Case:
    head, household = subject
    values = {"person_id": head.pk, "household_id": household.pk, "subject_name": "", "needs": ["money"],
              "description": "住房失火，一家三口暂住亲戚家"}
    values.update(overrides)
    return case_intake(actor=people[SENDER, Role.WINDOW_CLERK], data=intake(**values)).case


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to").get(pk=case.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _row(page: str, number: str) -> str:
    """The queue row of the case ``number`` ("" when it is not listed)."""
    start = page.find(f'data-case="{number}"')
    return "" if start < 0 else page[start:page.find("</tr>", start)]


def _transfer(people: dict[Any, Any], case: Case, reason: str = "对象已迁居鼓楼区宁海路街道") -> None:
    sent = _client(people[SENDER, Role.TOWNSHIP_REVIEWER]).post(f"/cases/{case.pk}/act/transfer/", {
        "transfer-version": case.version, "transfer-to_region_code": RECEIVER, "transfer-reason": reason})
    assert sent.status_code == 302 and _fresh(case).stage == Stage.TRANSFERRED_OUT


def test_the_receiving_township_finds_opens_and_accepts_a_case_handed_over(people, subject):
    case = _case(people, subject)
    other = _case(people, subject, description="另一件未转出的事项")
    _transfer(people, case)
    reviewer = _client(people[RECEIVER, Role.TOWNSHIP_REVIEWER])
    lead = _client(people[RECEIVER, Role.TOWNSHIP_LEAD])

    # Waiting in the receiving reviewer's queue and in the lead's area list, marked as theirs to decide.
    for page in (reviewer.get("/cases/queue/").content.decode(),
                 lead.get("/cases/queue/?scope=area").content.decode(),
                 lead.get(f"/cases/queue/?scope=area&region={RECEIVER}").content.decode()):
        row = _row(page, case.number)
        assert MARK in row and "待宁海路街道决定接收" in row
        assert not _row(page, other.number)  # nothing else of the sending township
    # A window clerk there does not decide on hand-overs.
    assert not _row(_client(people[RECEIVER, Role.WINDOW_CLERK]).get("/cases/queue/").content.decode(), case.number)

    # They open it to decide, and only it.
    page = reviewer.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="action-transfer_accept"' in html and 'data-testid="action-transfer_refuse"' in html
    assert reviewer.get(f"/cases/{other.pk}/").status_code == 404

    # A third township sees nothing of it.
    third = _client(people[THIRD, Role.TOWNSHIP_REVIEWER])
    third_lead = _client(people[THIRD, Role.TOWNSHIP_LEAD])
    assert not _row(third.get("/cases/queue/").content.decode(), case.number)
    assert not _row(third_lead.get("/cases/queue/?scope=area").content.decode(), case.number)
    assert third.get(f"/cases/{case.pk}/").status_code == 404

    accepted = reviewer.post(f"/cases/{case.pk}/act/transfer_accept/",
                             {"transfer_accept-version": _fresh(case).version})
    assert accepted.status_code == 302
    case = _fresh(case)
    assert case.stage == Stage.ACCEPTED and case.handling_region.code == RECEIVER and case.transfer_to is None
    row = _row(reviewer.get("/cases/queue/").content.decode(), case.number)
    assert row and MARK not in row  # now simply the receiver's work

    # The sender keeps its record of the hand-over, not the live case.
    sender = _client(people[SENDER, Role.TOWNSHIP_REVIEWER])
    record = sender.get(f"/cases/{case.pk}/")
    assert record.status_code == 200
    html = record.content.decode()
    assert 'data-testid="transfer-record"' in html and case.number in html
    assert "宁海路街道" in html and "对象已迁居鼓楼区宁海路街道" in html
    assert people[SENDER, Role.TOWNSHIP_REVIEWER].full_name in html  # who handed it over
    assert "转出至 宁海路街道" in html  # its own event of the hand-over
    assert "接收转入" not in html and "住房失火" not in html  # nothing of the receiver's, no live data
    assert 'data-testid="workflow-actions"' not in html and 'data-testid="case-facts"' not in html
    assert not _row(sender.get("/cases/queue/").content.decode(), case.number)
    refused = sender.post(f"/cases/{case.pk}/act/not_accept/",
                          {"not_accept-version": case.version, "not_accept-reason": "试图操作"})
    assert refused.status_code == 404 and _fresh(case).stage == Stage.ACCEPTED
    assert third.get(f"/cases/{case.pk}/").status_code == 404


def test_the_api_marks_the_queue_item_and_answers_404_to_the_sender_after_acceptance(people, subject):
    case = _case(people, subject)
    _transfer(people, case)
    reviewer = _client(people[RECEIVER, Role.TOWNSHIP_REVIEWER])
    items = {i["number"]: i for i in reviewer.get("/api/v1/cases/queue").json()["items"]}
    assert items[case.number]["awaiting_transfer_decision"] is True
    assert items[case.number]["transfer_to_name"] == "宁海路街道"
    assert items[case.number]["handling_region_code"] == SENDER  # still the sender's until accepted
    third = _client(people[THIRD, Role.TOWNSHIP_REVIEWER])
    assert case.number not in {i["number"] for i in third.get("/api/v1/cases/queue").json()["items"]}
    assert third.get(f"/api/v1/cases/{case.pk}").status_code == 404

    sender = _client(people[SENDER, Role.TOWNSHIP_REVIEWER])
    mine = {i["number"]: i for i in sender.get("/api/v1/cases/queue").json()["items"]}
    assert mine[case.number]["awaiting_transfer_decision"] is True  # the sender sees it is out of its hands

    accepted = reviewer.post(f"/api/v1/cases/{case.pk}/transfer-accept", {"version": _fresh(case).version},
                             content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["stage"] == Stage.ACCEPTED
    items = {i["number"]: i for i in reviewer.get("/api/v1/cases/queue").json()["items"]}
    assert items[case.number]["awaiting_transfer_decision"] is False
    assert items[case.number]["transfer_to_name"] is None
    for path in (f"/api/v1/cases/{case.pk}", f"/api/v1/cases/{case.pk}/workflow",
                 f"/api/v1/cases/{case.pk}/timeline"):
        assert sender.get(path).status_code == 404, path
        assert third.get(path).status_code == 404, path
    assert case.number not in {i["number"] for i in sender.get("/api/v1/cases/queue").json()["items"]}


def test_a_refused_transfer_goes_back_to_the_sender(people, subject):
    case = _case(people, subject)
    _transfer(people, case)
    lead = _client(people[RECEIVER, Role.TOWNSHIP_LEAD])
    refused = lead.post(f"/cases/{case.pk}/act/transfer_refuse/", {
        "transfer_refuse-version": _fresh(case).version, "transfer_refuse-reason": "经核实对象仍居住在玄武区"})
    assert refused.status_code == 302
    case = _fresh(case)
    assert case.stage == Stage.ACCEPTED and case.handling_region.code == SENDER and case.transfer_to is None
    assert lead.get(f"/cases/{case.pk}/").status_code == 404
    assert not _row(lead.get("/cases/queue/?scope=area").content.decode(), case.number)
    sender = _client(people[SENDER, Role.TOWNSHIP_REVIEWER])
    page = sender.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-facts"' in page and 'data-testid="transfer-record"' not in page
    assert sender.get(f"/api/v1/cases/{case.pk}").status_code == 200


def test_the_queue_and_the_stage_line_agree_on_who_decides_a_hand_over():
    assert RECEIVING_ROLES == TRANSITIONS["transfer_accept"].roles == TRANSITIONS["transfer_refuse"].roles

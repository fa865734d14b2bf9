"""The emergency kind's aid deadline (急难型, POLICY.md §1 "aid within 48 hours"): started at
acceptance for the categories the policy parameters list as emergencies, met by the first payment
paid, cancelled with the reason on refusal, denial, the expense kind and a hand-over (the receiving
township carries on the same due time); an expense-kind case has none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.cases.choices import Channel, Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from jijinan.policy.services import VersionInput, parameter_version_add
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

AID = "cases.aid_within_limit"
RECEIVER = "320106001000"  # 宁海路街道, 鼓楼区


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD)}


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    head = _person("王建国", TOWNSHIP, 31, phone="13912345678")
    return head, _household(head, _person("李秀英", TOWNSHIP, 32))


def _case(people: dict[str, Any], subject: Any, **overrides: Any) -> Case:
    head, household = subject
    values = {"person_id": head.pk, "household_id": household.pk, "subject_name": "", "needs": ["money"]}
    values.update(overrides)
    return case_intake(actor=people[Role.WINDOW_CLERK], data=intake(**values)).case


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


def _aid_deadlines(client: Client, case: Case) -> list[dict[str, Any]]:
    """The case's aid deadlines as the deadlines API gives them, oldest first."""
    body = client.get(f"/api/v1/deadlines?subject_type=cases.case&subject_id={case.pk}&kind={AID}").json()
    return sorted(body["items"], key=lambda d: d["id"])


def _review(client: Client, case: Case, *, kind: str = "emergency", **extra: Any) -> Any:
    body = {"version": _fresh(case).version, "opinion": "经入户调查，情况属实", "requested_amount_fen": 100000,
            "kind": kind, "home_visit_on": timezone.localdate().isoformat(), **extra}
    return _post(client, f"/api/v1/cases/{case.pk}/review", body)


def test_accepting_an_emergency_case_starts_the_48_hour_aid_deadline(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject, channel=Channel.INFORMANT, categories=["fire"])  # reported, not yet accepted
    assert case.stage == Stage.REPORTED and _aid_deadlines(reviewer, case) == []

    accepted = _post(reviewer, f"/api/v1/cases/{case.pk}/accept", {"version": case.version})
    assert accepted.status_code == 200 and accepted.json()["stage"] == Stage.ACCEPTED
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "open" and aid["unit"] == "hours" and aid["limit"] == 48
    case = _fresh(case)
    started = timezone.datetime.fromisoformat(aid["started_at"])
    assert abs(started - case.accepted_at) < timedelta(seconds=1)
    assert timezone.datetime.fromisoformat(aid["due_at"]) - started == timedelta(hours=48)
    assert set(aid["parameters"]) == {"temporary_assistance.aid_limit", "temporary_assistance.emergency_category.fire"}
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert "急难救助发放时限" in page


def test_a_window_intake_of_an_emergency_is_accepted_with_its_aid_deadline(people, subject):
    case = _case(people, subject, categories=["accident"])
    assert case.stage == Stage.ACCEPTED
    [aid] = _aid_deadlines(_client(people[Role.TOWNSHIP_REVIEWER]), case)
    assert aid["status"] == "open" and (aid["owner_user_id"] or aid["owner_organisation_id"])


def test_the_fast_track_paid_at_once_meets_the_aid_deadline(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject)
    paid = _post(reviewer, f"/api/v1/cases/{case.pk}/fast-track",
                 {"version": case.version, "amount_fen": 100000, "method": "bank"})
    assert paid.status_code == 200, paid.content
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "met" and aid["met_at"] is not None


def test_the_first_payment_recorded_paid_meets_the_aid_deadline(people, subject):
    reviewer, lead = _client(people[Role.TOWNSHIP_REVIEWER]), _client(people[Role.TOWNSHIP_LEAD])
    case = _case(people, subject)
    assert _review(reviewer, case).status_code == 200
    assert _post(lead, f"/api/v1/cases/{case.pk}/approve", {"version": _fresh(case).version}).status_code == 200
    assisted = _post(reviewer, f"/api/v1/cases/{case.pk}/assist",
                     {"version": _fresh(case).version, "amount_fen": 100000, "method": "bank"})
    assert assisted.status_code == 200, assisted.content
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "open"  # a bank transfer is paid when the bank confirms it

    payment = assisted.json()["aid"][0]["payments"][0]
    refused = _post(reviewer, f"/api/v1/cases/{case.pk}/payments/{payment['id']}/status",
                    {"version": payment["version"], "status": "paid"})  # no bank reference: nothing paid
    assert refused.status_code == 400 and _aid_deadlines(reviewer, case)[0]["status"] == "open"
    done = _post(reviewer, f"/api/v1/cases/{case.pk}/payments/{payment['id']}/status",
                 {"version": payment["version"], "status": "paid", "reference": "BOC-20261207-1"})
    assert done.status_code == 200
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "met"


def test_refusing_the_intake_cancels_the_aid_deadline_with_the_reason(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject)
    refused = _post(reviewer, f"/api/v1/cases/{case.pk}/not-accept",
                    {"version": case.version, "reason": "非本辖区户籍，已告知向户籍地申请"})
    assert refused.status_code == 200
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "cancelled" and "非本辖区户籍" in aid["cancel_reason"]
    assert aid["cancel_reason"].startswith("不予受理")


def test_denial_cancels_the_aid_deadline_with_the_reason(people, subject):
    reviewer, lead = _client(people[Role.TOWNSHIP_REVIEWER]), _client(people[Role.TOWNSHIP_LEAD])
    case = _case(people, subject)
    assert _review(reviewer, case).status_code == 200
    assert _aid_deadlines(reviewer, case)[0]["status"] == "open"
    denied = _post(lead, f"/api/v1/cases/{case.pk}/deny",
                   {"version": _fresh(case).version, "reason": "经核实已获保险理赔，困难已解除"})
    assert denied.status_code == 200
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "cancelled" and aid["cancel_reason"].startswith("不予救助")
    assert "保险理赔" in aid["cancel_reason"]


def test_a_transfer_hands_the_running_deadline_on_without_restarting_it(world, people, subject):
    sender = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject)
    [before] = _aid_deadlines(sender, case)
    sent = _post(sender, f"/api/v1/cases/{case.pk}/transfer",
                 {"version": case.version, "to_region_code": RECEIVER, "reason": "对象已迁居鼓楼区"})
    assert sent.status_code == 200
    assert _aid_deadlines(sender, case)[0]["status"] == "open"  # the person still waits meanwhile

    receiving = persona(world, Role.TOWNSHIP_REVIEWER, at=RECEIVER)
    receiver = _client(receiving)
    accepted = _post(receiver, f"/api/v1/cases/{case.pk}/transfer-accept", {"version": _fresh(case).version})
    assert accepted.status_code == 200
    # The sender's own deadline ends, cancelled with the reason, and stays in its area.
    [old] = _aid_deadlines(sender, case)
    assert old["id"] == before["id"] and old["status"] == "cancelled" and "宁海路街道" in old["cancel_reason"]
    assert old["region_code"] == TOWNSHIP
    # The receiver's runs to the same due time, in its area, in its name.
    [new] = _aid_deadlines(receiver, case)
    assert new["id"] != before["id"] and new["status"] == "open" and new["region_code"] == RECEIVER
    assert new["due_at"] == before["due_at"] and new["owner_user_id"] == receiving.pk
    assert new["parameters"] == before["parameters"]


def test_an_expense_kind_case_has_no_aid_deadline(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    fire = _case(people, subject, categories=["fire"])  # accepted beside it, an emergency has one
    case = _case(people, subject, categories=["schooling"], needs=["education"])
    assert [d["status"] for d in _aid_deadlines(reviewer, fire)] == ["open"]
    assert case.stage == Stage.ACCEPTED and _aid_deadlines(reviewer, case) == []
    reviewed = _review(reviewer, case, kind="expense", cause="education", expenses=[["education", 600000]],
                       requested_amount_fen=200000)
    assert reviewed.status_code == 200, reviewed.content
    assert _aid_deadlines(reviewer, case) == []
    assert not Deadline.objects.filter(subject_id=str(case.pk), kind=AID).exists()


def test_the_review_choosing_the_expense_kind_cancels_it(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject, categories=["serious_illness"])
    assert _aid_deadlines(reviewer, case)[0]["status"] == "open"
    reviewed = _review(reviewer, case, kind="expense", cause="medical", expenses=[["medical", 800000]],
                       requested_amount_fen=200000)
    assert reviewed.status_code == 200, reviewed.content
    [aid] = _aid_deadlines(reviewer, case)
    assert aid["status"] == "cancelled" and "支出型" in aid["cancel_reason"]


def test_the_review_choosing_the_emergency_kind_starts_it_from_the_review(people, subject):
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    case = _case(people, subject, categories=["unemployment"])
    assert _aid_deadlines(reviewer, case) == []
    assert _review(reviewer, case, kind="emergency").status_code == 200
    [aid] = _aid_deadlines(reviewer, case)
    reviewed_at = _fresh(case).stage_changed_at
    assert aid["status"] == "open" and aid["limit"] == 48
    assert abs(timezone.datetime.fromisoformat(aid["started_at"]) - reviewed_at) < timedelta(seconds=1)


def test_which_categories_are_emergencies_is_a_policy_parameter(people, subject):
    # The province lists unemployment as no emergency; a county that treats it as one says so in data.
    parameter_version_add(actor=None, name="temporary_assistance.emergency_category.unemployment", data=VersionInput(
        region_code=XUANWU, value=True, effective_from=timezone.localdate(), citation="玄武区做法（测试）"))
    case = _case(people, subject, categories=["unemployment"])
    [aid] = _aid_deadlines(_client(people[Role.TOWNSHIP_REVIEWER]), case)
    assert aid["status"] == "open"
    assert "temporary_assistance.emergency_category.unemployment" in aid["parameters"]

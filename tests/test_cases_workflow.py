"""The staged workflow (cases 2/3): the stage line with its deadlines, delegated approval, public
notice and objections, the emergency fast track with its make-up paperwork, transfers of
jurisdiction, close-relative filings, refusals with reasons and stale versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AuditEvent
from jijinan.cases import selectors
from jijinan.cases.choices import ApproverLevel, Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseAid, CaseTransfer, PublicNotice, RelativeFiling
from jijinan.cases.workflow import selectors as workflow_selectors
from jijinan.cases.workflow import services as wf
from jijinan.cases.workflow.transitions import AID_WITHIN_LIMIT, EDGES, STAGE_DEADLINES, TRANSITIONS, workflow_rules
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.models import Deadline, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

OTHER_TOWNSHIP = "320102004000"  # another street of 玄武区
GULOU_TOWNSHIP = "320106001000"


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.SUPERVISOR)}


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    return head, household


def _case(people: dict[str, Any], subject: Any, **overrides: Any) -> Case:
    head, household = subject
    values = {"person_id": head.pk, "household_id": household.pk, "subject_name": "", "needs": ["money"],
              "reporter_phone": "13912345678"}
    values.update(overrides)
    return case_intake(actor=people[Role.WINDOW_CLERK], data=intake(**values)).case


def _decision_texts() -> list[str]:
    return [crypto.decrypt(m.payload["text"], purpose="core.sms.text")
            for m in OutboxMessage.objects.filter(type="sms.send", payload__template="case.decision")]


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _review(**overrides: Any) -> wf.ReviewInput:
    values: dict[str, Any] = {"opinion": "经入户调查，家中失火，情况属实", "requested_amount_fen": 200000,
                              "home_visit_on": timezone.localdate()}
    values.update(overrides)
    return wf.ReviewInput(**values)


def _resolved(**overrides: Any) -> wf.FollowUpInput:
    values: dict[str, Any] = {"method": "phone", "done_on": timezone.localdate(), "outcome": "救助金已到账，已租到住房",
                              "satisfaction": 5, "need_resolved": True}
    values.update(overrides)
    return wf.FollowUpInput(**values)


def _open_deadlines(case: Case) -> list[str]:
    """The stage line's deadlines still owed (the emergency aid deadline of these fire cases runs beside
    them: tests/test_cases_aid_deadline.py)."""
    return sorted(Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk), met_at__isnull=True,
                                          cancelled_at__isnull=True).exclude(kind=AID_WITHIN_LIMIT.kind)
                  .values_list("kind", flat=True))


def _end_notice(case: Case) -> None:
    """The notice period ran out (its end moved into the past)."""
    PublicNotice.objects.filter(case=case).update(starts_at=timezone.now() - timedelta(days=8),
                                                  ends_at=timezone.now() - timedelta(minutes=1))


# --- the table ------------------------------------------------------------------------------------------


def test_the_table_covers_every_open_stage_and_every_rule_is_registered():
    targets = {t.target for t in TRANSITIONS.values() if t.target}
    assert set(Stage.values) - {Stage.DISCOVERED, Stage.REPORTED} <= targets | {Stage.DISCOVERED}
    for stage in (Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED, Stage.REVIEWED, Stage.APPROVED,
                  Stage.ASSISTED, Stage.FOLLOW_UP, Stage.TRANSFERRED_OUT):
        assert stage in STAGE_DEADLINES, stage
    assert (Stage.ACCEPTED, Stage.APPROVED) not in EDGES  # no skipping review
    assert (Stage.ACCEPTED, Stage.ASSISTED) in EDGES  # the fast track, the only aid before approval
    assert {r.action for r in workflow_rules()} >= {t.action for t in TRANSITIONS.values()}
    assert all(t.reason_required for t in TRANSITIONS.values() if t.refusal)


# --- the normal line ---------------------------------------------------------------------------------------


def test_a_case_goes_the_whole_line_with_a_deadline_at_every_open_stage(people, subject):
    case = _case(people, subject)
    assert case.stage == Stage.ACCEPTED
    reviewer, lead = people[Role.TOWNSHIP_REVIEWER], people[Role.TOWNSHIP_LEAD]

    case = wf.case_review(actor=reviewer, case=_fresh(case), version=case.version, data=_review())
    assert case.stage == Stage.REVIEWED and case.approver_level == ApproverLevel.TOWNSHIP
    assert case.decision is not None and case.decision.purpose == "decision"
    assert case.decision.parameters  # the parameter versions used are kept
    assert not case.public_notice_required  # up to the township ceiling: no notice by default
    assert _open_deadlines(case) == ["cases.stage.approval"]
    review_deadline = Deadline.objects.get(subject_id=str(case.pk), kind="cases.stage.review")
    assert review_deadline.met_at is not None
    assert set(review_deadline.parameters) == {"temporary_assistance.review_limit"}

    case = wf.case_approve(actor=lead, case=_fresh(case), version=case.version)
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 200000
    assert _open_deadlines(case) == ["cases.stage.aid"]
    assert any("2,000.00" in text for text in _decision_texts())

    with pytest.raises(DomainError) as too_much:
        wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=200001, method="bank")
    assert too_much.value.field_errors["amount_fen"]
    case = wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=200000, method="bank")
    assert case.stage == Stage.ASSISTED and _open_deadlines(case) == ["cases.stage.follow_up"]
    case = wf.case_follow_up(actor=reviewer, case=_fresh(case), version=case.version, note="电话回访，已安置")
    assert _open_deadlines(case) == ["cases.stage.closure"]
    with pytest.raises(DomainError) as no_follow_up:
        wf.case_close(actor=reviewer, case=_fresh(case), version=case.version)
    assert "回访" in str(no_follow_up.value.message)
    wf.follow_up_record(actor=reviewer, case=_fresh(case), version=case.version, data=_resolved())
    case = _fresh(case)
    with pytest.raises(DomainError) as unrouted:  # money after a fire is also the emergency office's to meet
        wf.case_close(actor=reviewer, case=_fresh(case), version=case.version)
    assert unrouted.value.code == "close_reason_required" and "应急管理" in str(unrouted.value.field_errors["reason"])
    case = wf.case_close(actor=reviewer, case=_fresh(case), version=case.version, reason="应急管理部门已另行救助")
    assert case.stage == Stage.CLOSED and case.closed_at is not None and _open_deadlines(case) == []
    assert "应急管理部门已另行救助" in case.events.get(kind="stage.close").summary

    moves = list(case.events.filter(kind__startswith="stage.").values_list("data__from", "data__to"))
    assert moves == [("accepted", "reviewed"), ("reviewed", "approved"), ("approved", "assisted"),
                     ("assisted", "follow_up"), ("follow_up", "closed")]
    assert all(edge in EDGES for edge in moves)
    audited = list(AuditEvent.objects.filter(subject_type="cases.case", subject_id=str(case.pk),
                                             action__in=[t.action for t in TRANSITIONS.values()])
                   .order_by("occurred_at", "id").values_list("action", flat=True))
    assert audited == ["cases.case.review", "cases.case.approve", "cases.case.assist", "cases.case.follow_up",
                       "cases.case.close"]
    assert OutboxMessage.objects.filter(type="cases.case.stage_changed", subject_id=str(case.pk)).count() == 5
    assert case.version == 7  # five moves and the follow-up record

    with pytest.raises(DomainError) as no_reason:
        wf.case_reopen(actor=lead, case=_fresh(case), version=case.version, reason=" ")
    assert no_reason.value.code == "reason_required"
    case = wf.case_reopen(actor=lead, case=_fresh(case), version=case.version, reason="回访发现新的医疗费用")
    assert case.stage == Stage.ACCEPTED and case.decided_amount_fen is None
    assert _open_deadlines(case) == ["cases.stage.review"]


def test_a_stale_version_is_refused_and_changes_nothing(people, subject):
    case = _case(people, subject)
    before = (case.stage, case.version, AuditEvent.objects.count(), Deadline.objects.count())
    with pytest.raises(Conflict) as stale:
        wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version - 1 or 99,
                       data=_review())
    assert stale.value.status == 409 and stale.value.code == "stale_version"
    case = _fresh(case)
    assert (case.stage, case.version, AuditEvent.objects.count(), Deadline.objects.count()) == before


def test_a_move_outside_the_table_and_a_refusal_without_reason_are_refused(people, subject):
    case = _case(people, subject)
    with pytest.raises(DomainError) as skip:
        wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    assert skip.value.code == "invalid_transition" and skip.value.status == 409
    assert "受理" in str(skip.value.message)
    with pytest.raises(DomainError) as no_reason:
        wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version, reason="")
    assert no_reason.value.field_errors["reason"]
    with pytest.raises(Forbidden):  # a window clerk does not review
        wf.case_review(actor=people[Role.WINDOW_CLERK], case=_fresh(case), version=case.version, data=_review())
    assert _fresh(case).stage == Stage.ACCEPTED and _fresh(case).version == case.version


def test_not_accepted_carries_the_reason_and_tells_the_applicant(people, subject):
    case = _case(people, subject)
    case = wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              reason="非本辖区户籍，已告知向居住地申请")
    assert case.stage == Stage.NOT_ACCEPTED and case.refusal_reason.startswith("非本辖区")
    assert _open_deadlines(case) == []
    assert any("不予受理" in text for text in _decision_texts())


# --- delegated approval, notice, objections, consultation ---------------------------------------------------


def _county_level_review(people: Any, case: Case, **extra: Any) -> Case:
    return wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review(kind="expense", cause="medical", requested_amount_fen=400000,
                                       expenses=[("medical", 500000)], **extra))


def test_above_the_township_ceiling_only_the_county_approves_after_the_notice(people, subject):
    case = _county_level_review(people, _case(people, subject))
    assert case.approver_level == ApproverLevel.COUNTY and case.public_notice_required
    notice = PublicNotice.objects.get(case=case)
    assert (notice.ends_at - notice.starts_at).days == notice.days == 5  # calendar days
    with pytest.raises(DomainError) as running:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version)
    assert running.value.code == "public_notice_running"
    _end_notice(case)
    with pytest.raises(Forbidden) as above:
        wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    assert "县级" in str(above.value.message) and "4,000.00" in str(above.value.message)
    assert _fresh(case).stage == Stage.REVIEWED
    case = wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version,
                           amount_fen=350000)
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 350000


def test_an_objection_pauses_the_approval_deadline_until_resolved(people, subject):
    case = _county_level_review(people, _case(people, subject))
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    objection = wf.objection_add(actor=reviewer, case=_fresh(case), text="邻居反映其有商铺出租收入", raised_by="匿名")
    approval = Deadline.objects.get(subject_id=str(case.pk), kind="cases.stage.approval")
    assert approval.paused_at is not None
    _end_notice(case)
    case = _fresh(case)
    with pytest.raises(DomainError) as open_objection:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version)
    assert open_objection.value.code == "objection_open"
    with pytest.raises(DomainError) as late:
        wf.objection_add(actor=reviewer, case=_fresh(case), text="公示期后的异议")
    assert late.value.code == "public_notice_over"
    wf.objection_resolve(actor=reviewer, objection=objection, outcome="dismissed",
                         resolution="经核实，商铺已于去年出售")
    approval.refresh_from_db()
    assert approval.paused_at is None  # resumed: the time paused is given back
    case = _fresh(case)
    case = wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version)
    assert case.stage == Stage.APPROVED


def test_an_upheld_objection_blocks_approval(people, subject):
    case = _county_level_review(people, _case(people, subject))
    objection = wf.objection_add(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), text="隐瞒收入")
    wf.objection_resolve(actor=people[Role.TOWNSHIP_REVIEWER], objection=objection, outcome="upheld",
                         resolution="属实")
    _end_notice(case)
    case = _fresh(case)
    with pytest.raises(DomainError) as upheld:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version)
    assert upheld.value.code == "objection_upheld"
    case = wf.case_deny(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version,
                        reason="经公示核实，家庭有未申报的经营收入，不符合临时救助条件")
    assert case.stage == Stage.DENIED and case.refusal_reason


def test_above_the_cap_waits_for_a_consultation(people, subject):
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(_case(people, subject)), version=1,
                          data=_review(kind="expense", cause="medical", requested_amount_fen=2_000_000,
                                       expenses=[("medical", 3_000_000)]))
    assert case.needs_consultation and case.approver_level == ApproverLevel.CONSULTATION
    _end_notice(case)
    with pytest.raises(DomainError) as consult:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version)
    assert consult.value.code == "needs_consultation"
    assert _fresh(case).stage == Stage.REVIEWED


def test_a_close_relative_is_reviewed_by_the_county(people, subject):
    head, _household = subject
    filing = wf.relative_filing_add(actor=people[Role.TOWNSHIP_REVIEWER], person=head, relative_name="王村长",
                                    relative_post="村委会主任", relation="兄弟")
    case = _case(people, subject)
    with pytest.raises(Forbidden) as township:
        wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version, data=_review())
    assert "近亲属" in str(township.value.message)
    assert _fresh(case).stage == Stage.ACCEPTED
    case = wf.case_review(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version,
                          data=_review())
    assert case.close_relative and case.stage == Stage.REVIEWED
    wf.relative_filing_retire(actor=people[Role.TOWNSHIP_REVIEWER], filing=filing, reason="已不再任职")
    assert not RelativeFiling.objects.get(pk=filing.pk).active


# --- the fast track -------------------------------------------------------------------------------------------


def test_the_fast_track_pays_first_and_the_case_cannot_close_until_the_paperwork_is_done(people, subject):
    case = _case(people, subject, crisis=False)
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    case = wf.case_fast_track(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=150000,
                              method="cash", note="火灾当晚先行发放")
    assert case.stage == Stage.ASSISTED and case.fast_tracked and case.paperwork_owed
    assert CaseAid.objects.get(case=case).fast_track
    assert "cases.makeup_paperwork" in _open_deadlines(case)
    case = wf.case_follow_up(actor=reviewer, case=_fresh(case), version=case.version)
    with pytest.raises(DomainError) as owed:
        wf.case_close(actor=reviewer, case=_fresh(case), version=case.version)
    assert owed.value.code == "close_blocked" and "补办" in str(owed.value.message)
    with pytest.raises(DomainError):  # the approval before the make-up review
        wf.case_makeup_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    with pytest.raises(DomainError) as other:  # the make-up review confirms what was paid, or says why not
        wf.case_makeup_review(actor=reviewer, case=_fresh(case), version=case.version, data=_review())
    assert other.value.field_errors["requested_amount_fen"] and "1,500.00" in str(other.value.field_errors)
    case = wf.case_makeup_review(actor=reviewer, case=_fresh(case), version=case.version,
                                 data=_review(requested_amount_fen=150000))
    assert case.stage == Stage.FOLLOW_UP and case.requested_amount_fen == 150000
    case = wf.case_makeup_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    assert not case.paperwork_owed and "cases.makeup_paperwork" not in _open_deadlines(case)
    wf.follow_up_record(actor=reviewer, case=_fresh(case), version=case.version, data=_resolved())
    case = _fresh(case)
    case = wf.case_close(actor=reviewer, case=_fresh(case), version=case.version, reason="已由应急管理部门救助")
    assert case.stage == Stage.CLOSED


def test_a_fast_track_above_the_township_limit_is_the_countys(people, subject):
    case = _case(people, subject)
    with pytest.raises(Forbidden) as township:
        wf.case_fast_track(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                           amount_fen=300000, method="bank")
    assert "县级" in str(township.value.message)
    assert _fresh(case).stage == Stage.ACCEPTED and not CaseAid.objects.filter(case=case).exists()
    with pytest.raises(DomainError) as cap:
        wf.case_fast_track(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version,
                           amount_fen=5_000_000, method="bank")
    assert cap.value.code == "needs_consultation"
    case = wf.case_fast_track(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version,
                              amount_fen=300000, method="bank")
    assert case.stage == Stage.ASSISTED and case.paperwork_owed


def test_an_unidentified_subject_must_be_identified_before_review(people, defaults):
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake()).case
    with pytest.raises(DomainError) as unknown:
        wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version, data=_review())
    assert unknown.value.code == "subject_unidentified"
    assert _fresh(case).stage == Stage.ACCEPTED


# --- transfer of jurisdiction ---------------------------------------------------------------------------------


def test_a_transfer_moves_the_case_and_its_deadlines_and_the_sender_keeps_read_only_access(world, people, subject):
    from jijinan.accounts.models import Grant

    case = _case(people, subject)
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    with pytest.raises(DomainError) as unknown:
        wf.case_transfer(actor=reviewer, case=_fresh(case), version=case.version, to_region_code="320102999000",
                         reason="对象已迁居")
    assert unknown.value.field_errors["to_region_code"]
    with pytest.raises(DomainError) as same:
        wf.case_transfer(actor=reviewer, case=_fresh(case), version=case.version, to_region_code=TOWNSHIP,
                         reason="对象已迁居")
    assert same.value.code == "transfer_target"
    case = wf.case_transfer(actor=reviewer, case=_fresh(case), version=case.version, to_region_code=GULOU_TOWNSHIP,
                            reason="对象已迁居鼓楼区")
    assert case.stage == Stage.TRANSFERRED_OUT and _open_deadlines(case) == ["cases.stage.transfer"]

    gulou = persona(world, Role.TOWNSHIP_REVIEWER, at="320106000000")
    assert Grant.objects.filter(user=gulou).exists()
    assert selectors.cases_visible_to(gulou).filter(pk=case.pk).exists()  # the receiving side sees it
    assert not selectors.case_read_only_for_user(user=gulou, case=_fresh(case))
    assert {a.transition.name for a in workflow_selectors.case_actions_for_user(user=gulou, case=_fresh(case))} == {
        "transfer_accept", "transfer_refuse"}
    with pytest.raises(Forbidden):  # the sender cannot accept its own hand-over
        wf.case_transfer_accept(actor=reviewer, case=_fresh(case), version=case.version)
    case = wf.case_transfer_accept(actor=gulou, case=_fresh(case), version=case.version)
    assert case.stage == Stage.ACCEPTED and case.handling_region.code == GULOU_TOWNSHIP and case.owner == gulou
    codes = set(Deadline.objects.filter(subject_id=str(case.pk), met_at__isnull=True, cancelled_at__isnull=True)
                .values_list("region_code", flat=True))
    assert codes == {GULOU_TOWNSHIP}

    # The sender keeps its record of the hand-over, no longer the live case, and may not act on it.
    with pytest.raises(NotFound):
        selectors.case_get_for_user(user=reviewer, pk=case.pk)
    assert selectors.transfer_record_for_user(user=reviewer, case_pk=case.pk).transfer.to_region.code == GULOU_TOWNSHIP
    with pytest.raises(Forbidden):
        wf.case_not_accept(actor=reviewer, case=_fresh(case), version=case.version, reason="试图操作")
    assert CaseTransfer.objects.get(case=case).status == "accepted"


def test_a_refused_transfer_returns_to_the_stage_it_left(world, people, subject):
    case = _case(people, subject)
    case = wf.case_transfer(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                            to_region_code=GULOU_TOWNSHIP, reason="对象已迁居")
    gulou = persona(world, Role.TOWNSHIP_LEAD, at="320106000000")
    with pytest.raises(DomainError):
        wf.case_transfer_refuse(actor=gulou, case=_fresh(case), version=case.version, reason="")
    case = wf.case_transfer_refuse(actor=gulou, case=_fresh(case), version=case.version,
                                   reason="经核实对象户籍和居住地均在玄武区")
    assert case.stage == Stage.ACCEPTED and case.handling_region.code == TOWNSHIP and case.transfer_to is None
    assert _open_deadlines(case) == ["cases.stage.review"]


def test_a_transfer_to_a_retired_township_is_refused(people, subject):
    Region.objects.filter(code=OTHER_TOWNSHIP).update(valid_to=timezone.localdate() - timedelta(days=1))
    case = _case(people, subject)
    with pytest.raises(DomainError) as retired:
        wf.case_transfer(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                         to_region_code=OTHER_TOWNSHIP, reason="对象已迁居")
    assert retired.value.field_errors.get("to_region_code")
    assert _fresh(case).stage == Stage.ACCEPTED


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_moves_a_case_and_answers_409_for_a_stale_version(people, subject):
    case = _case(people, subject)
    client = Client()
    client.force_login(people[Role.TOWNSHIP_REVIEWER])
    state = client.get(f"/api/v1/cases/{case.pk}/workflow").json()
    assert state["stage"] == "accepted" and state["version"] == case.version
    names = {a["name"] for a in state["actions"]}
    assert {"review", "fast_track", "not_accept", "transfer"} <= names and "approve" not in names
    body = {"version": case.version, "opinion": "情况属实", "requested_amount_fen": 100000,
            "home_visit_on": timezone.localdate().isoformat()}
    reviewed = client.post(f"/api/v1/cases/{case.pk}/review", body, content_type="application/json")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["stage"] == "reviewed" and reviewed.json()["reviews"][0]["requested_amount_fen"] == 100000
    again = client.post(f"/api/v1/cases/{case.pk}/review", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "stale_version"
    lead = Client()
    lead.force_login(people[Role.TOWNSHIP_LEAD])
    approved = lead.post(f"/api/v1/cases/{case.pk}/approve", {"version": case.version + 1},
                         content_type="application/json")
    assert approved.status_code == 200 and approved.json()["decided_amount_fen"] == 100000


def test_an_online_application_nobody_holds_yet_is_the_offices_deadline(world, defaults):
    case = case_intake(actor=None, data=intake(channel="online", reporter_phone="13912345670")).case
    assert case.stage == Stage.REPORTED and case.owner is None
    deadline = Deadline.objects.get(subject_id=str(case.pk), kind="cases.stage.acceptance")
    assert deadline.owner_user is None and deadline.owner_organisation == world.xuanwu_office
    assert set(deadline.parameters) == {"case_handling.acceptance_limit"}


def test_without_a_parameter_in_force_intake_still_takes_the_case_and_says_why(world):
    case = case_intake(actor=None, data=intake()).case  # no policy parameters loaded at all
    assert case.stage == Stage.ACCEPTED
    assert not Deadline.objects.filter(subject_id=str(case.pk), kind="cases.stage.review").exists()
    assert case.events.filter(kind="deadline_missing").exists()


def test_the_table_is_published_for_integrators(people):
    client = Client()
    client.force_login(people[Role.SUPERVISOR])
    rows = {row["name"]: row for row in client.get("/api/v1/case-transitions").json()}
    assert set(rows) == set(TRANSITIONS)
    assert rows["fast_track"]["sources"] == ["accepted"] and rows["fast_track"]["target"] == "assisted"
    assert rows["approve"]["roles"] == ["county_approver", "township_lead"]
    assert rows["deny"]["refusal"] and rows["deny"]["reason_required"]


def test_the_case_is_held_by_whoever_carries_it_on_and_waits_unassigned_otherwise(people, subject):
    from jijinan.cases.queues.selectors import case_queue_for_user

    case = _case(people, subject)  # a window clerk takes it in, but reviewing is not theirs
    assert case.owner is None
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    assert case_queue_for_user(user=reviewer).filter(pk=case.pk).exists()
    deadline = Deadline.objects.get(subject_id=str(case.pk), kind="cases.stage.review")
    assert deadline.owner_user is None and deadline.owner_organisation is not None  # the office answers
    case = wf.case_fast_track(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=100000,
                              method="cash")
    assert case.owner == reviewer  # the follow-up is the reviewer's to do
    assert Deadline.objects.get(subject_id=str(case.pk), kind="cases.stage.follow_up").owner_user == reviewer
    case = wf.case_makeup_review(actor=reviewer, case=_fresh(case), version=case.version,
                                 data=_review(requested_amount_fen=100000))
    assert case_queue_for_user(user=reviewer).filter(pk=case.pk).exists()


def test_a_follow_up_that_finds_the_need_unresolved_sends_the_case_back_for_a_new_decision(people, subject):
    reviewer, lead = people[Role.TOWNSHIP_REVIEWER], people[Role.TOWNSHIP_LEAD]
    case = wf.case_review(actor=reviewer, case=_fresh(_case(people, subject)), version=1, data=_review())
    case = wf.case_approve(actor=lead, case=_fresh(case), version=case.version)
    case = wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=200000, method="bank")
    with pytest.raises(DomainError) as too_early:  # the follow-up stage is not reached yet
        wf.follow_up_record(actor=reviewer, case=_fresh(case), version=case.version, data=_resolved())
    assert too_early.value.code == "invalid_transition"
    case = wf.case_follow_up(actor=reviewer, case=_fresh(case), version=case.version)
    for bad, field in ((_resolved(done_on=timezone.localdate() + timedelta(days=1)), "done_on"),
                       (_resolved(satisfaction=9), "satisfaction"), (_resolved(outcome=" "), "outcome"),
                       (_resolved(need_resolved=False), "unresolved_needs"),
                       (_resolved(need_resolved=False, unresolved_needs=["yacht"]), "unresolved_needs")):
        with pytest.raises(DomainError) as refused:
            wf.follow_up_record(actor=reviewer, case=_fresh(case), version=case.version, data=bad)
        assert field in refused.value.field_errors
    assert _fresh(case).version == case.version and not case.follow_ups.exists()
    with pytest.raises(DomainError):  # nothing unresolved is on record yet
        wf.case_reconsider(actor=reviewer, case=_fresh(case), version=case.version, reason="仍有困难")
    wf.follow_up_record(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                        data=_resolved(need_resolved=False, unresolved_needs=["medical"], satisfaction=3,
                                       outcome="生活已安置，但后续透析费用仍无着落"))
    case = _fresh(case)
    with pytest.raises(DomainError) as unresolved:
        wf.case_close(actor=reviewer, case=case, version=case.version)
    assert "仍未解决" in str(unresolved.value.message)
    case = wf.case_reconsider(actor=reviewer, case=case, version=case.version, reason="后续透析费用仍无着落")
    assert case.stage == Stage.ACCEPTED and case.decision is None and case.decided_amount_fen is None
    assert _open_deadlines(case) == ["cases.stage.review"]
    assert ("follow_up", "accepted") in EDGES
    # The new round's review counts the first round's grant for the same cause (once a year).
    case = wf.case_review(actor=reviewer, case=_fresh(case), version=case.version, data=_review())
    assert case.decision is not None and not case.decision.eligible
    assert case.decision.inputs["prior_grants_same_cause"] == 1


def test_the_public_notice_board_masks_and_never_shows_a_minor(world, people, subject):
    from jijinan.cases.public_notices.selectors import mask_name

    assert [mask_name(n) for n in ("张伟", "王建国", "欧阳明月", "李")] == ["张*", "王*国", "欧**月", "李"]
    case = _county_level_review(people, _case(people, subject))
    minor = _person("王小明", TOWNSHIP, 14)
    minor.birth_date = timezone.localdate() - timedelta(days=365 * 10)
    minor.save(update_fields=["birth_date"])
    child_case = _county_level_review(people, case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=minor.pk, subject_name="", needs=["money"])).case, declared_none=True)
    assert PublicNotice.objects.filter(case=child_case).exists()  # the notice runs, unpublished
    page = Client().get("/cases/public-notices/", {"region": "320102000000"})  # nobody signed in
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "王*国" in text and "王建国" not in text
    assert child_case.number not in text and "王*明" not in text
    assert case.description not in text and "13912345678" not in text
    head = Case.objects.get(pk=case.pk).person
    assert head is not None and str(head.id_number) in text and head.id_number.reveal() not in text
    _end_notice(case)
    assert case.number not in Client().get("/cases/public-notices/", {"region": TOWNSHIP}).content.decode()
    assert Client().get("/cases/public-notices/", {"region": "320102002001"}).status_code == 400  # a village


# --- payments ----------------------------------------------------------------------------------------------


def test_a_schedule_pays_monthly_within_the_calendar_year():
    from datetime import date

    from jijinan.cases.aid.services import schedule

    parts = schedule(100001, 2, today=date(2026, 11, 29))
    assert parts == [(50001, date(2026, 11, 29)), (50000, date(2026, 12, 1))]
    assert sum(a for a, _d in schedule(123457, 12, today=date(2026, 1, 15))) == 123457
    assert schedule(123457, 12, today=date(2026, 1, 15))[-1][1] == date(2026, 12, 1)
    for today, n in ((date(2026, 11, 29), 3), (date(2026, 12, 31), 2), (date(2026, 1, 1), 13)):
        with pytest.raises(DomainError) as past:
            schedule(100000, n, today=today)
        assert past.value.code == "instalments_past_year"
    with pytest.raises(DomainError):
        schedule(100000, 0, today=date(2026, 5, 1))


def _approved(people: Any, subject: Any) -> Case:
    reviewer, lead = people[Role.TOWNSHIP_REVIEWER], people[Role.TOWNSHIP_LEAD]
    case = wf.case_review(actor=reviewer, case=_fresh(_case(people, subject)), version=1, data=_review())
    return wf.case_approve(actor=lead, case=_fresh(case), version=case.version)


def test_aid_is_paid_in_instalments_and_each_payment_keeps_its_status(people, subject):
    from jijinan.cases.aid.services import payment_reissue, payment_update
    from jijinan.cases.models import AidPayment

    reviewer = people[Role.TOWNSHIP_REVIEWER]
    case = _approved(people, subject)
    left = 13 - timezone.localdate().month
    with pytest.raises(DomainError) as past:  # refused whole: no aid, no payment, the stage unchanged
        wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=200000, method="bank",
                       instalments=left + 1)
    assert past.value.field_errors["instalments"]
    assert _fresh(case).stage == Stage.APPROVED and not CaseAid.objects.filter(case=case).exists()
    n = min(2, left)
    case = wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=200000, method="bank",
                          instalments=n)
    payments = list(AidPayment.objects.filter(aid__case=case).order_by("sequence"))
    assert len(payments) == n and sum(p.amount_fen for p in payments) == 200000
    assert {p.status for p in payments} == {"pending"}  # a bank transfer waits for the bank
    first = payments[0]
    with pytest.raises(DomainError) as no_reference:
        payment_update(actor=reviewer, payment=first, version=first.version, status="paid")
    assert no_reference.value.field_errors["reference"]
    with pytest.raises(DomainError) as skip:  # pending cannot be "returned"
        payment_update(actor=reviewer, payment=first, version=first.version, status="returned", note="x")
    assert skip.value.status == 409
    paid = payment_update(actor=reviewer, payment=first, version=first.version, status="paid",
                          reference="ICBC-20261129-0001")
    assert paid.status == "paid" and paid.version == 2
    with pytest.raises(Conflict):
        payment_update(actor=reviewer, payment=paid, version=1, status="returned", note="账户已销户")
    with pytest.raises(DomainError) as no_note:
        payment_update(actor=reviewer, payment=paid, version=2, status="returned")
    assert no_note.value.field_errors["note"]
    returned = payment_update(actor=reviewer, payment=paid, version=2, status="returned", note="账户已销户，银行退回")
    again = payment_reissue(actor=reviewer, payment=returned, version=returned.version)
    assert again.status == "pending" and again.amount_fen == first.amount_fen and again.reissue_of_id == first.pk
    assert again.sequence == n + 1
    with pytest.raises(Conflict):
        payment_reissue(actor=reviewer, payment=returned, version=returned.version + 1)
    with pytest.raises(Forbidden):  # a window clerk records no payment
        payment_update(actor=people[Role.WINDOW_CLERK], payment=again, version=1, status="paid", reference="R")
    assert AuditEvent.objects.filter(action="cases.payment.update", subject_id=str(case.pk)).count() == 2
    assert AuditEvent.objects.filter(action="cases.payment.reissue", subject_id=str(case.pk)).count() == 1
    assert OutboxMessage.objects.filter(type="cases.payment.changed", subject_id=str(case.pk)).count() == 3


def test_cash_and_the_fast_track_are_paid_when_handed_over(people, subject):
    case = _case(people, subject)
    case = wf.case_fast_track(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              amount_fen=100000, method="cash")
    payment = CaseAid.objects.get(case=case).payments.get()
    assert payment.status == "paid" and payment.amount_fen == 100000 and payment.changed_at is not None


def test_the_api_records_a_payment_and_hides_other_areas(world, people, subject):
    case = _approved(people, subject)
    case = wf.case_assist(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          amount_fen=200000, method="bank")
    client = Client()
    client.force_login(people[Role.TOWNSHIP_REVIEWER])
    state = client.get(f"/api/v1/cases/{case.pk}/workflow").json()
    payment = state["aid"][0]["payments"][0]
    assert payment["status"] == "pending" and payment["amount_fen"] == 200000
    done = client.post(f"/api/v1/cases/{case.pk}/payments/{payment['id']}/status",
                       {"version": payment["version"], "status": "paid", "reference": "BOC-1"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "paid"
    other = Client()
    other.force_login(persona(world, Role.TOWNSHIP_REVIEWER, at="320106000000"))
    hidden = other.post(f"/api/v1/cases/{case.pk}/payments/{payment['id']}/status",
                        {"version": 2, "status": "returned", "note": "x"}, content_type="application/json")
    assert hidden.status_code == 404

"""The pages of the staged workflow (cases 2/3): the case page's 办理 panel, one form per move
posted with the case's version, the printable refusal notice, objections, close-relative filings."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases.choices import ApproverLevel, Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseAid, Objection, PublicNotice, RelativeFiling
from jijinan.cases.workflow import services as wf
from jijinan.cases.workflow.forms import yuan_to_fen
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from tests.permission_cases.registry import valid_id
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

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


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _review_form(version: int, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"version": version, "opinion": "经入户调查，家中失火，情况属实",
                              "requested_amount": "1000.00", "kind": "emergency", "severity": "general",
                              "home_visit_on": timezone.localdate().isoformat(), "appraisal": "not_used"}
    values.update(overrides)
    return {f"review-{k}": v for k, v in values.items()}


def _state(case: Case) -> tuple[Any, ...]:
    fresh = _fresh(case)
    return (fresh.stage, fresh.version, fresh.decided_amount_fen, AuditEvent.objects.count(),
            Deadline.objects.count(), CaseAid.objects.count())


def test_yuan_become_fen_exactly():
    assert yuan_to_fen(Decimal("0.29")) == 29  # float would give 28
    assert yuan_to_fen(Decimal("1234.56")) == 123456
    assert yuan_to_fen(Decimal("800.5")) == 80050
    with pytest.raises(ValueError):
        yuan_to_fen(Decimal("1.005"))


def test_the_case_page_offers_the_reviewers_moves_with_the_version(people, subject):
    case = _case(people, subject)
    page = _client(people[Role.TOWNSHIP_REVIEWER]).get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="case-workflow"' in html
    for name in ("review", "fast_track", "not_accept", "transfer"):
        assert f'data-testid="action-{name}"' in html and f"/cases/{case.pk}/act/{name}/" in html
    assert 'data-testid="action-approve"' not in html  # not from 受理
    assert f'name="review-version" value="{case.version}"' in html
    # A supervisor reads the panel but is offered nothing.
    supervisor = _client(people[Role.SUPERVISOR]).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-workflow"' in supervisor and 'data-testid="workflow-actions"' not in supervisor


def test_review_and_approve_through_the_pages_move_the_case(people, subject):
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    done = reviewer.post(f"/cases/{case.pk}/act/review/", _review_form(case.version))
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.pk}/"
    case = _fresh(case)
    assert case.stage == Stage.REVIEWED and case.requested_amount_fen == 100000
    assert case.approver_level == ApproverLevel.TOWNSHIP
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert "已完成“审核”" in page and 'data-testid="workflow-reviews"' in page and "1,000.00" in page

    lead = _client(people[Role.TOWNSHIP_LEAD])
    page = lead.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="action-approve"' in page and 'data-testid="action-deny"' in page
    approved = lead.post(f"/cases/{case.pk}/act/approve/", {"approve-version": case.version,
                                                            "approve-amount": "800.29"})
    assert approved.status_code == 302
    case = _fresh(case)
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 80029  # exact, no float

    # More than approved is refused on the form, and nothing changes.
    before = _state(case)
    over = reviewer.post(f"/cases/{case.pk}/act/assist/", {"assist-version": case.version, "assist-amount": "900",
                                                           "assist-method": "bank"})
    assert over.status_code == 400 and "不能超过审批金额" in over.content.decode()
    assert _state(case) == before
    paid = reviewer.post(f"/cases/{case.pk}/act/assist/", {"assist-version": case.version,
                                                           "assist-amount": "800.29", "assist-method": "bank"})
    assert paid.status_code == 302 and _fresh(case).stage == Stage.ASSISTED
    assert CaseAid.objects.get(case=case).amount_fen == 80029


def test_a_stale_version_shows_the_conflict_and_changes_nothing(people, subject):
    case = _case(people, subject)
    before = _state(case)
    stale = _client(people[Role.TOWNSHIP_REVIEWER]).post(f"/cases/{case.pk}/act/review/",
                                                         _review_form(case.version + 5))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "该事项已被他人修改" in html and "请刷新后重试" in html
    assert 'data-testid="action-review"' in html and "经入户调查，家中失火，情况属实" in html  # kept on the form
    assert _state(case) == before


def test_a_bad_form_or_a_move_outside_the_stage_is_refused_on_the_page(people, subject):
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    before = _state(case)
    empty = reviewer.post(f"/cases/{case.pk}/act/not_accept/", {"not_accept-version": case.version,
                                                                "not_accept-reason": ""})
    assert empty.status_code == 400 and _state(case) == before
    bad_amount = reviewer.post(f"/cases/{case.pk}/act/review/", _review_form(case.version, requested_amount="1.005"))
    assert bad_amount.status_code == 400 and _state(case) == before
    outside = reviewer.post(f"/cases/{case.pk}/act/follow_up/", {"follow_up-version": case.version})
    assert outside.status_code == 409 and "不能“转入回访”" in outside.content.decode()
    assert _state(case) == before


def test_a_township_lead_above_the_township_ceiling_gets_403(people, subject, django_assert_max_num_queries):
    case = _case(people, subject)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=wf.ReviewInput(opinion="大病支出", requested_amount_fen=400000, kind="expense",
                                              cause="medical", expenses=[("medical", 500000)],
                                              home_visit_on=timezone.localdate()))
    assert case.approver_level == ApproverLevel.COUNTY and case.public_notice_required
    county = _client(people[Role.COUNTY_APPROVER])
    county.get("/")  # the session
    # The shell and page (14 for a fresh case), then the decision, the notice and its objections (read
    # twice: once by the approval blockers, once for the panel), the reviews, the unread notices, and
    # the open objections a transfer would be refused for.
    with django_assert_max_num_queries(23):
        page = county.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="why-approve"' in page and "公示期至" in page  # greyed, with why
    PublicNotice.objects.filter(case=case).update(starts_at=timezone.now() - timedelta(days=8),
                                                  ends_at=timezone.now() - timedelta(minutes=1))
    before = _state(case)
    above = _client(people[Role.TOWNSHIP_LEAD]).post(f"/cases/{case.pk}/act/approve/",
                                                     {"approve-version": case.version})
    assert above.status_code == 403 and "县级" in above.content.decode()
    assert _state(case) == before
    approved = county.post(f"/cases/{case.pk}/act/approve/", {"approve-version": case.version,
                                                              "approve-amount": "3500"})
    assert approved.status_code == 302 and _fresh(case).decided_amount_fen == 350000


def test_wrong_roles_and_other_areas_are_refused(world, people, subject):
    case = _case(people, subject)
    before = _state(case)
    clerk = _client(people[Role.WINDOW_CLERK]).post(f"/cases/{case.pk}/act/review/", _review_form(case.version))
    assert clerk.status_code == 403
    gulou = persona(world, Role.TOWNSHIP_REVIEWER, at="320106000000")
    other = _client(gulou).post(f"/cases/{case.pk}/act/review/", _review_form(case.version))
    assert other.status_code == 404
    assert _state(case) == before


def test_the_refusal_notice_shows_the_reason_and_the_right_of_appeal(people, subject):
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    assert reviewer.get(f"/cases/{case.pk}/refusal-notice/").status_code == 404  # not refused
    done = reviewer.post(f"/cases/{case.pk}/act/not_accept/", {"not_accept-version": case.version,
                                                               "not_accept-reason": "非本辖区户籍，已告知向居住地申请"})
    assert done.status_code == 302 and _fresh(case).stage == Stage.NOT_ACCEPTED
    logged = AccessLog.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).count()
    notice = reviewer.get(f"/cases/{case.pk}/refusal-notice/")
    assert notice.status_code == 200
    html = notice.content.decode()
    assert "不予受理告知书" in html and "非本辖区户籍，已告知向居住地申请" in html
    assert "行政复议" in html and "行政诉讼" in html and case.number in html and "王建国" in html
    assert "@media print" in html
    assert AccessLog.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).count() == logged + 1
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/refusal-notice/" in page


def test_the_sender_sees_a_transferred_case_read_only(world, people, subject):
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    sent = reviewer.post(f"/cases/{case.pk}/act/transfer/", {
        "transfer-version": case.version, "transfer-to_region_code": GULOU_TOWNSHIP,
        "transfer-reason": "对象已迁居鼓楼区"})
    assert sent.status_code == 302 and _fresh(case).stage == Stage.TRANSFERRED_OUT
    gulou = _client(persona(world, Role.TOWNSHIP_REVIEWER, at="320106000000"))
    page = gulou.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="action-transfer_accept"' in page and 'data-testid="read-only"' not in page
    case = _fresh(case)
    accepted = gulou.post(f"/cases/{case.pk}/act/transfer_accept/", {"transfer_accept-version": case.version})
    assert accepted.status_code == 302 and _fresh(case).handling_region.code == GULOU_TOWNSHIP
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="transfer-record"' in page and "对象已迁居鼓楼区" in page
    assert 'data-testid="workflow-actions"' not in page
    case = _fresh(case)
    refused = reviewer.post(f"/cases/{case.pk}/act/not_accept/", {"not_accept-version": case.version,
                                                                  "not_accept-reason": "试图操作"})
    assert refused.status_code == 404 and _fresh(case).stage == Stage.ACCEPTED


def test_an_objection_is_recorded_and_resolved_through_the_pages(people, subject):
    case = _case(people, subject)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=wf.ReviewInput(opinion="大病支出", requested_amount_fen=400000, kind="expense",
                                              cause="medical", expenses=[("medical", 500000)],
                                              home_visit_on=timezone.localdate()))
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    assert reviewer.get(f"/cases/{case.pk}/objections/").status_code == 200
    added = reviewer.post(f"/cases/{case.pk}/objections/", {"raised_by": "邻居", "text": "其子女有稳定收入"})
    assert added.status_code == 302
    objection = Objection.objects.get(case=case)
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert "其子女有稳定收入" in page and f"/objections/{objection.pk}/resolve/" in page
    empty = reviewer.post(f"/cases/{case.pk}/objections/{objection.pk}/resolve/", {"outcome": "dismissed"})
    assert empty.status_code == 400
    resolved = reviewer.post(f"/cases/{case.pk}/objections/{objection.pk}/resolve/",
                             {"outcome": "dismissed", "resolution": "经核实子女无稳定收入"})
    assert resolved.status_code == 302 and Objection.objects.get(pk=objection.pk).resolved_at is not None
    supervisor = _client(people[Role.SUPERVISOR])
    assert supervisor.post(f"/cases/{case.pk}/objections/", {"text": "再次异议"}).status_code == 403


def test_the_filings_page_adds_searches_and_retires(people, subject):
    head, household = subject
    other = household.members.exclude(person=head).get().person
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    start = RelativeFiling.objects.count()
    page = reviewer.get("/cases/relative-filings/")
    assert page.status_code == 200 and 'data-testid="filing-form"' in page.content.decode()
    added = reviewer.post("/cases/relative-filings/", {"person_id": head.pk, "relative_name": "王村长",
                                                       "relative_post": "村委会主任", "relation": "兄弟"})
    assert added.status_code == 302 and added["Location"] == "/cases/relative-filings/"
    by_id = reviewer.post("/cases/relative-filings/", {"id_number": valid_id(TOWNSHIP[:6], "19660606", 12),
                                                       "relative_name": "李干部", "relative_post": "社区书记",
                                                       "relation": "姐妹"})
    assert by_id.status_code == 302
    assert RelativeFiling.objects.filter(person=other, active=True).exists()
    by_name = reviewer.post("/cases/relative-filings/", {"id_number": "王建国", "relative_name": "某",
                                                         "relative_post": "某", "relation": "某"})
    assert by_name.status_code == 400 and "身份证号" in by_name.content.decode()
    missing = reviewer.post("/cases/relative-filings/", {"relative_name": "某", "relative_post": "某",
                                                         "relation": "某"})
    assert missing.status_code == 400 and RelativeFiling.objects.count() == start + 2
    found = reviewer.get("/cases/relative-filings/?q=王村长").content.decode()
    assert "王建国" in found and "李秀英" not in found
    filing = RelativeFiling.objects.get(person=head)
    no_reason = reviewer.post(f"/cases/relative-filings/{filing.pk}/retire/", {"reason": ""})
    assert no_reason.status_code == 302 and RelativeFiling.objects.get(pk=filing.pk).active
    retired = reviewer.post(f"/cases/relative-filings/{filing.pk}/retire/", {"reason": "已不再任职"})
    assert retired.status_code == 302 and not RelativeFiling.objects.get(pk=filing.pk).active
    assert "王建国" in reviewer.get("/cases/relative-filings/?status=retired").content.decode()
    # A supervisor reads the list but may not add.
    supervisor = _client(people[Role.SUPERVISOR])
    listed = supervisor.get("/cases/relative-filings/").content.decode()
    assert "李秀英" in listed and 'data-testid="filing-form"' not in listed
    assert supervisor.post("/cases/relative-filings/", {"person_id": head.pk, "relative_name": "某",
                                                        "relative_post": "某", "relation": "某"}).status_code == 403
    assert RelativeFiling.objects.count() == start + 2


def test_a_follow_up_is_recorded_through_its_page_and_an_unresolved_need_offers_reconsidering(people, subject):
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    case = _case(people, subject)
    case = wf.case_fast_track(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=100000,
                              method="cash")
    case = wf.case_follow_up(actor=reviewer, case=_fresh(case), version=case.version)
    client = _client(reviewer)
    page = client.get(f"/cases/{case.pk}/")
    assert 'data-testid="follow-up-link"' in page.content.decode()
    form = client.get(f"/cases/{case.pk}/follow-up/")
    assert form.status_code == 200 and "满意度" in form.content.decode()
    bad = client.post(f"/cases/{case.pk}/follow-up/", {"version": case.version, "method": "phone",
                                                       "done_on": timezone.localdate().isoformat(), "outcome": "x",
                                                       "satisfaction": "3", "need_resolved": "no"})
    assert bad.status_code == 400 and "请选择仍未解决的需求" in bad.content.decode()
    done = client.post(f"/cases/{case.pk}/follow-up/", {
        "version": case.version, "method": "visit", "done_on": timezone.localdate().isoformat(),
        "outcome": "生活已安置，透析费用仍无着落", "satisfaction": "3", "need_resolved": "no",
        "unresolved_needs": ["medical"]})
    assert done.status_code == 302
    record = case.follow_ups.get()
    assert record.unresolved_needs == ["medical"] and record.satisfaction == 3 and not record.need_resolved
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="workflow-follow-ups"' in page and 'data-testid="action-reconsider"' in page


def test_a_payment_is_recorded_and_reissued_from_the_case_page(people, subject):
    reviewer = people[Role.TOWNSHIP_REVIEWER]
    case = _case(people, subject)
    case = wf.case_review(actor=reviewer, case=_fresh(case), version=case.version, data=wf.ReviewInput(
        opinion="属实", requested_amount_fen=100000, home_visit_on=timezone.localdate()))
    case = wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    case = wf.case_assist(actor=reviewer, case=_fresh(case), version=case.version, amount_fen=100000, method="bank")
    payment = CaseAid.objects.get(case=case).payments.get()
    client = _client(reviewer)
    assert f'data-testid="payment-{payment.pk}"' in client.get(f"/cases/{case.pk}/").content.decode()
    refused = client.post(f"/cases/{case.pk}/payments/{payment.pk}/", {"version": 1, "status": "paid"})
    assert refused.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "pending"  # a bank transfer needs its reference
    client.post(f"/cases/{case.pk}/payments/{payment.pk}/", {"version": 1, "status": "failed", "note": "户名不符"})
    payment.refresh_from_db()
    assert payment.status == "failed" and payment.note == "户名不符"
    client.post(f"/cases/{case.pk}/payments/{payment.pk}/reissue/", {"version": payment.version})
    assert CaseAid.objects.get(case=case).payments.filter(status="pending", reissue_of=payment).exists()


def _issued_report(household: Any) -> Any:
    from jijinan.verification import services as verification
    from jijinan.verification.choices import AuthorisationMethod, Source
    from jijinan.verification.demo import ensure_valid_months_parameter, tiny_png
    from jijinan.verification.documents import Document

    ensure_valid_months_parameter()
    members = [m.person_id for m in verification.current_members(household)]
    verification.authorisation_record(actor=None, household=household, signatory_ids=members,
                                      signed_on=timezone.localdate() - timedelta(days=3),
                                      method=AuthorisationMethod.SIGNED_ON_SCREEN,
                                      document=Document(tiny_png(), "png", "s.png"))
    request, = verification.request_create(actor=None, household=household, sources_wanted=[Source.SECURITIES],
                                           purpose="临时救助审核")
    verification.result_enter(actor=None, request=request, version=1, facts={"balance_fen": 100})
    return verification.report_issue(actor=None, household=household)


def test_the_review_picks_the_households_verification_report_from_a_list(people, subject):  # type: ignore[no-untyped-def]
    """The report a review cites is chosen among the household's issued reports, by number and date,
    never typed; another household's report is not offered and is refused when forced."""
    _head, household = subject
    report = _issued_report(household)
    other = _issued_report(_household(_person("周其他", TOWNSHIP, 21)))
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    select = page[page.index('name="review-verification_report_id"'):]
    select = select[:select.index("</select>")]
    assert f'value="{report.pk}"' in select and f"第{report.number}号" in select
    assert f'value="{other.pk}"' not in select
    assert re.search(r'<select[^>]*name="review-verification_report_id"', page)  # a list, not a typed number

    forced = reviewer.post(f"/cases/{case.pk}/act/review/",
                           _review_form(case.version, verification_report_id=other.pk, home_visit_on=""))
    assert forced.status_code == 400 and _fresh(case).stage == Stage.ACCEPTED
    done = reviewer.post(f"/cases/{case.pk}/act/review/",
                         _review_form(case.version, verification_report_id=report.pk, home_visit_on=""))
    assert done.status_code == 302
    assert _fresh(case).stage == Stage.REVIEWED
    assert case.reviews.get().verification_report_id == report.pk  # type: ignore[attr-defined]

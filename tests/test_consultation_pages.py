"""Escalation and consultation through the pages, as the people who use them: the government
convenes three offices, the health handler answers from the office's own page, the convener records
one opinion on behalf, the meeting is recorded in Beijing time, a refused decision says every error
at once and keeps what was typed, the decision charges two departments with tasks, the minutes print
as a PDF; the case page's section and the manual 报告协商; the office's list; the home panels; the
list with its filters and export; another county's escalation answers 404."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AccessLog
from jijinan.consultation.choices import EscalationStatus, OpinionStatus
from jijinan.consultation.models import ConsultationDecision, Escalation, Meeting, Opinion
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from jijinan.referrals.models import Task
from tests.test_cases_workflow import _case
from tests.test_consultation import _above_cap, _escalation, offices, people, subject  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(prefix: str, rows: list[dict[str, Any]], extra: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _panel(page: str, code: str) -> str:
    found = re.search(r'<article[^>]*data-panel="' + re.escape(code) + r'".*?</article>', page, re.S)
    return found.group(0) if found else ""


def _convened(people: dict[str, Any], escalation: Escalation, offices: dict[str, Any]) -> Client:  # noqa: F811
    leader = _client(people[Role.GOVERNMENT_LEADER])
    response = leader.post(f"/consultation/{escalation.pk}/convene/", {
        "version": escalation.version, "agenda": "王建国家重病，申请救助超过单次上限，研究一事一议",
        **_rows("invitations", [{"office": offices["health"].pk, "question": "医疗费用能否减免"},
                                {"office": offices["education"].pk, "question": ""},
                                {"office": offices["housing"].pk, "question": ""}], extra=1)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return leader


def test_a_whole_consultation_through_the_pages(people, subject, offices):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    leader = _client(people[Role.GOVERNMENT_LEADER])
    page = leader.get(f"/consultation/{escalation.pk}/").content.decode()
    # What stands now first: the status, the deadline to convene, the amounts in 元 with separators.
    assert "待召集会商" in page and "12,000.00" in page and "9,450.00" in page and "超过单次救助上限" in page
    assert page.index('data-testid="escalation-summary"') < page.index('data-testid="convene"') < page.index(
        'data-testid="escalation-facts"')
    # The offices are chosen from the eligible ones, grouped by kind; another district's is not offered.
    assert '<optgroup label="部门机构">' in page and "玄武区教育局" in page and offices["gulou_health"].name not in page
    # A refused convening keeps the agenda typed and says why.
    refused = leader.post(f"/consultation/{escalation.pk}/convene/", {
        "version": escalation.version, "agenda": "研究一事一议", **_rows("invitations", [], extra=2)})
    assert refused.status_code == 400 and "请至少邀请一个部门或单位提出意见" in refused.content.decode()
    assert "研究一事一议" in refused.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN
    _convened(people, escalation, offices)
    opinions = {o.office_id: o for o in Opinion.objects.filter(consultation__escalation=escalation)}
    assert len(opinions) == 3 and opinions[offices["health"].pk].question == "医疗费用能否减免"

    # The health handler sees the opinion asked of the office and gives it there.
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    listing = handler.get("/consultation/opinions/").content.decode()
    health = opinions[offices["health"].pk]
    assert f"/consultation/opinions/{health.pk}/" in listing
    assert f"/consultation/opinions/{opinions[offices['education'].pk].pk}/" not in listing
    assert handler.get(f"/consultation/{escalation.pk}/").status_code == 403
    blank = handler.post(f"/consultation/opinions/{health.pk}/give/", {"version": health.version, "text": " "})
    assert blank.status_code == 400 and "请填写意见" in blank.content.decode()
    assert Opinion.objects.get(pk=health.pk).status == OpinionStatus.REQUESTED
    given = handler.post(f"/consultation/opinions/{health.pk}/give/", {
        "version": health.version, "text": "同意纳入医疗救助，协调医院减免", "can_help": "住院费用减免"})
    assert given.status_code == 302
    health.refresh_from_db()
    assert health.status == OpinionStatus.GIVEN and health.given_by == people[Role.DEPARTMENT_HANDLER]
    # The handler may not answer for the education office.
    education = opinions[offices["education"].pk]
    assert handler.post(f"/consultation/opinions/{education.pk}/give/", {
        "version": 1, "text": "同意"}).status_code == 404

    # The convener records the education office's opinion given by phone, and chases the housing office.
    prefix = f"opinion-{education.pk}"
    on_behalf = leader.post(f"/consultation/{escalation.pk}/opinions/{education.pk}/", {
        f"{prefix}-version": education.version, f"{prefix}-text": "同意减免学费（电话）", f"{prefix}-can_help": ""})
    assert on_behalf.status_code == 302
    education.refresh_from_db()
    assert education.status == OpinionStatus.GIVEN and education.given_by == people[Role.GOVERNMENT_LEADER]
    assert leader.post(f"/consultation/{escalation.pk}/chase/").status_code == 302
    assert Opinion.objects.get(pk=opinions[offices["housing"].pk].pk).chased == 1
    # A late opinion is marked on the page.
    housing = opinions[offices["housing"].pk]
    Deadline.objects.filter(pk=housing.deadline_id).update(due_at=timezone.now() - timedelta(hours=3))
    page = leader.get(f"/consultation/{escalation.pk}/").content.decode()
    assert re.search(r'data-testid="opinion" data-late="1">\s*<td>玄武区住建局', page)

    # The meeting, typed in Beijing time.
    consultation = health.consultation
    consultation.refresh_from_db()
    held = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    recorded = leader.post(f"/consultation/{escalation.pk}/meeting/", {
        "version": consultation.version, "held_at": held.strftime("%Y-%m-%dT%H:%M"), "mode": "in_person",
        "place": "区政府三楼会议室", "attendees": "冯区长、郑审批、韩卫健", "minutes": "同意一事一议"})
    assert recorded.status_code == 302
    meeting = Meeting.objects.get(consultation=consultation)
    assert meeting.held_at == held

    # A refused decision: every error at once, the input kept, nothing decided.
    consultation.refresh_from_db()
    decision_form = {
        "version": consultation.version, "outcome": "support", "plan": "一事一议给予临时救助，卫健、教育分工落实",
        "case_by_case_amount": "", "total_support": "",
        **_rows("funding", [{"source": "charity", "name": "", "amount": "2000"}], extra=1),
        **_rows("duties", [{"office": offices["health"].pk, "description": "", "amount": "3000",
                            "limit_count": "", "limit_unit": "working_days"}], extra=1)}
    refused = leader.post(f"/consultation/{escalation.pk}/decide/", decision_form)
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "请填写一事一议的临时救助金额" in text and "请填写分工内容" in text and "请填写慈善组织" in text
    assert "一事一议给予临时救助，卫健、教育分工落实" in text and 'value="3000' in text
    assert not ConsultationDecision.objects.exists() and not Task.objects.filter(case=escalation.case).exists()

    # The decision: two department tasks, the 一事一议 amount, the funding.
    decision_form.update({
        "case_by_case_amount": "12000", "total_support": "",
        **_rows("funding", [{"source": "program_budget", "name": "", "amount": "10000"},
                            {"source": "charity", "name": "南京市慈善总会", "amount": "2000"}]),
        **_rows("duties", [{"office": offices["health"].pk, "description": "协调医院减免住院费用", "amount": "3000",
                            "limit_count": "", "limit_unit": "working_days"},
                           {"office": offices["education"].pk, "description": "减免子女学费", "amount": "1500.50",
                            "limit_count": "5", "limit_unit": "calendar_days"}])})
    decided = leader.post(f"/consultation/{escalation.pk}/decide/", decision_form)
    assert decided.status_code == 302, decided.content.decode()[:3000]
    decision = ConsultationDecision.objects.get(consultation=consultation)
    assert decision.case_by_case_amount_fen == 1_200_000 and decision.total_support_fen == 1_200_000 + 300_000 + 150_050
    assert [f["amount_fen"] for f in decision.funding] == [1_000_000, 200_000]
    tasks = Task.objects.filter(case=escalation.case).select_related("office").order_by("sequence")
    assert [t.office for t in tasks] == [offices["health"], offices["education"]]
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECIDED
    page = leader.get(f"/consultation/{escalation.pk}/").content.decode()
    assert page.count('data-testid="duty"') == 2 and "12,000.00" in page and "南京市慈善总会" in page
    assert 'data-testid="decide"' not in page and 'data-testid="convene"' not in page

    # A duty past its deadline is marked on the page and on the government's home page.
    Deadline.objects.filter(pk=tasks[0].deadline_id).update(due_at=timezone.now() - timedelta(days=1))
    page = leader.get(f"/consultation/{escalation.pk}/").content.decode()
    assert page.count('data-overdue="1"') == 1
    home = _panel(leader.get("/").content.decode(), "consultation.escalations")
    assert f"{escalation.number} · 玄武区卫健委 分工未办结" in home

    # The minutes and decision as a PDF, its download logged.
    pdf = leader.get(f"/consultation/{escalation.pk}/print/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(kind="print", subject_label=escalation.number).exists()


def test_the_case_page_shows_its_escalations_and_a_caseworker_escalates_by_hand(people, subject, offices):  # noqa: F811
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert f"/consultation/cases/{case.pk}/panel/" in page
    panel = reviewer.get(f"/consultation/cases/{case.pk}/panel/").content.decode()
    assert "本事项没有报告协商" in panel and 'data-testid="raise"' in panel
    blank = reviewer.post(f"/consultation/cases/{case.pk}/raise/", {"reason": "  "})
    assert blank.status_code == 400 and "请写明报告协商的理由" in blank.content.decode()
    assert not Escalation.objects.filter(case=case).exists()
    raised = reviewer.post(f"/consultation/cases/{case.pk}/raise/",
                           {"reason": "涉及住房、就学、就医，需多部门共同解决"})
    escalation = Escalation.objects.get(case=case)
    assert raised.status_code == 302 and raised["Location"] == f"/consultation/{escalation.pk}/"
    assert escalation.trigger == "manual" and escalation.reason.startswith("涉及住房")
    panel = reviewer.get(f"/consultation/cases/{case.pk}/panel/").content.decode()
    assert escalation.number in panel and 'data-testid="raise"' not in panel
    # A window clerk reads the case but does not escalate it.
    clerk = _client(people[Role.WINDOW_CLERK])
    assert clerk.post(f"/consultation/cases/{case.pk}/raise/", {"reason": "再报"}).status_code == 403
    # The reviewer may withdraw it while not convened, with a reason.
    page = reviewer.get(f"/consultation/{escalation.pk}/").content.decode()
    assert 'data-testid="withdraw"' in page and 'data-testid="convene"' not in page
    withdrawn = reviewer.post(f"/consultation/{escalation.pk}/withdraw/", {"version": escalation.version,
                                                                           "reason": "已协调解决"})
    assert withdrawn.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.WITHDRAWN


def test_home_panels_show_open_escalations_with_late_opinions(people, subject, offices):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    _convened(people, escalation, offices)
    late = Opinion.objects.get(consultation__escalation=escalation, office=offices["housing"])
    Deadline.objects.filter(pk=late.deadline_id).update(due_at=timezone.now() - timedelta(days=2))
    for who in (Role.GOVERNMENT_LEADER, Role.COUNTY_APPROVER, "township_lead_only"):
        panel = _panel(_client(people[who]).get("/").content.decode(), "consultation.escalations")
        assert escalation.number in panel and "1 个意见逾期" in panel, who
    handler = _panel(_client(people[Role.DEPARTMENT_HANDLER]).get("/").content.decode(), "consultation.office_opinions")
    assert escalation.number in handler
    # Another district's government sees none of it.
    assert escalation.number not in _client(people["gulou_leader"]).get("/").content.decode()


def test_the_list_filters_searches_and_exports(people, subject, offices):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    approver = _client(people[Role.COUNTY_APPROVER])
    page = approver.get("/consultation/").content.decode()
    assert escalation.number in page
    assert escalation.number not in approver.get("/consultation/?status=decided").content.decode()
    assert escalation.number in approver.get("/consultation/?status=all&q=王建国").content.decode()
    assert escalation.number not in approver.get("/consultation/?status=all&q=李四").content.decode()
    exported = approver.get("/consultation/export/?status=open")
    in_scope = Escalation.objects.filter(case__handling_region__code__startswith="320102",
                                         status__in=["open", "consulting"]).count()
    assert exported.status_code == 200 and exported["X-Export-Rows"] == str(in_scope) and in_scope >= 1
    assert AccessLog.objects.filter(kind="export", subject_type="consultation.escalation").exists()


def test_another_countys_escalation_answers_404_and_changes_nothing(people, subject, offices):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    gulou = _client(people["gulou_leader"])
    assert gulou.get(f"/consultation/{escalation.pk}/").status_code == 404
    assert gulou.get(f"/consultation/{escalation.pk}/print/").status_code == 404
    refused = gulou.post(f"/consultation/{escalation.pk}/convene/", {
        "version": escalation.version, "agenda": "越权召集",
        **_rows("invitations", [{"office": offices["gulou_health"].pk, "question": ""}])})
    assert refused.status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN
    assert not Opinion.objects.filter(consultation__escalation=escalation).exists()
    assert escalation.number not in gulou.get("/consultation/?status=all").content.decode()



def test_review_offers_the_stability_risk_and_approve_asks_for_the_band_reason(people, subject, offices):  # noqa: F811
    """The review form has the stability-risk fields; the approve form names the reason an amount
    above its band needs."""
    from tests.test_cases_workflow import _end_notice, _fresh, _review
    from tests.test_consultation import S

    case = _case(people, subject)
    review_page = _client(people[Role.TOWNSHIP_REVIEWER]).get(f"/cases/{case.pk}/").content.decode()
    assert "有影响稳定的风险" in review_page and "稳定风险情况" in review_page
    from jijinan.cases.workflow import services as wf

    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review(requested_amount_fen=3 * S + 1))
    _end_notice(case)
    approver = _client(people[Role.COUNTY_APPROVER])
    page = approver.get(f"/cases/{case.pk}/").content.decode()
    assert "超出金额区间审批的理由" in page
    # Within the band the note stays a note.
    calm = _case(people, subject)
    calm = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(calm), version=calm.version,
                          data=_review(requested_amount_fen=S))
    _end_notice(calm)
    lead = _client(people[Role.TOWNSHIP_LEAD])
    assert "超出金额区间审批的理由" not in lead.get(f"/cases/{calm.pk}/").content.decode()


def test_the_escalation_page_reads_in_english(people, subject, offices):  # noqa: F811
    from django.conf import settings

    escalation = _escalation(_above_cap(people, subject))
    leader = _client(people[Role.GOVERNMENT_LEADER])
    leader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = leader.get(f"/consultation/{escalation.pk}/").content.decode()
    assert "Where it stands" in page and "Waiting to be convened" in page and "Convene and ask for opinions" in page
    assert "Above the cap per event" in page
    for chinese in ("召集会商并征求意见", "现在的情况", "待召集会商", "受邀单位"):
        assert chinese not in page, chinese
    listing = leader.get("/consultation/").content.decode()
    assert "Escalation" in listing and "没有符合条件的报告协商" not in listing


def test_the_pages_read_in_few_queries(people, subject, offices, django_assert_max_num_queries):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    leader = _convened(people, escalation, offices)
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    for client, url, most in ((leader, f"/consultation/{escalation.pk}/", 20),
                              (leader, "/consultation/?status=all", 12),
                              (handler, "/consultation/opinions/?status=all", 11)):
        client.get(url)  # the session and the caches warm up
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_a_stale_form_is_refused_with_its_input_kept(people, subject, offices):  # noqa: F811
    escalation = _escalation(_above_cap(people, subject))
    leader = _convened(people, escalation, offices)
    consultation = Opinion.objects.filter(consultation__escalation=escalation).first().consultation
    stale = consultation.version
    leader.post(f"/consultation/{escalation.pk}/chase/")  # chasing changes no version
    invited = leader.post(f"/consultation/{escalation.pk}/invite/", {
        "version": stale, **_rows("more", [{"office": offices["health"].pk,
                                            "question": ""}])})
    assert invited.status_code == 400 and "已邀请" in invited.content.decode()
    consultation.refresh_from_db()
    assert consultation.version == stale
    # Someone records the meeting meanwhile: the second, stale form is refused, its minutes kept.
    form = {"version": stale, "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "mode": "written",
            "place": "", "attendees": "各部门", "minutes": "书面会商，同意一事一议"}
    assert leader.post(f"/consultation/{escalation.pk}/meeting/", form).status_code == 302
    again = leader.post(f"/consultation/{escalation.pk}/meeting/", {**form, "minutes": "第二份纪要"})
    assert again.status_code == 409 and "第二份纪要" in again.content.decode()
    assert Meeting.objects.filter(consultation=consultation).count() == 1


def test_an_unreasonable_demand_is_decided_and_explained_through_the_pages(people, subject, offices):  # noqa: F811
    case = _case(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    reviewer.post(f"/consultation/cases/{case.pk}/raise/", {"reason": "反复上访，诉求超出政策"})
    escalation = Escalation.objects.get(case=case)
    leader = _convened(people, escalation, offices)
    consultation = Opinion.objects.filter(consultation__escalation=escalation).first().consultation
    consultation.refresh_from_db()
    leader.post(f"/consultation/{escalation.pk}/meeting/", {
        "version": consultation.version, "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "written", "place": "", "attendees": "各部门", "minutes": "诉求不合理"})
    consultation.refresh_from_db()
    # An unreasonable demand charges no department: a duty typed by mistake is refused, beside its row.
    refused = leader.post(f"/consultation/{escalation.pk}/decide/", {
        "version": consultation.version, "outcome": "unreasonable", "plan": "按政策解释", **_rows("funding", []),
        **_rows("duties", [{"office": offices["health"].pk, "description": "减免", "amount": "",
                            "limit_count": "", "limit_unit": "working_days"}])})
    assert refused.status_code == 400 and "诉求不合理的决定不分工部门任务" in refused.content.decode()
    decided = leader.post(f"/consultation/{escalation.pk}/decide/", {
        "version": consultation.version, "outcome": "unreasonable", "plan": "按政策解释", **_rows("funding", []),
        **_rows("duties", [])})
    assert decided.status_code == 302, decided.content.decode()[:2000]
    page = reviewer.get(f"/consultation/{escalation.pk}/").content.decode()
    assert 'data-testid="explanation"' in page
    missing = reviewer.post(f"/consultation/{escalation.pk}/explanation/", {
        "explained_by": "", "explained_at": "", "content": "临时救助政策规定", "response": ""})
    text = missing.content.decode()
    assert missing.status_code == 400 and "请填写解释人" in text and "请填写当事人的反应" in text
    assert "临时救助政策规定" in text and not escalation.explanations.exists()
    done = reviewer.post(f"/consultation/{escalation.pk}/explanation/", {
        "explained_by": "社会救助科王科长", "explained_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "content": "临时救助政策规定", "response": "表示理解", "accepted": "on"})
    assert done.status_code == 302 and escalation.explanations.get().accepted

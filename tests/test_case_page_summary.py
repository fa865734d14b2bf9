"""The case page leads with a summary (applicant, subject, stage, the next deadline and its owner,
money requested, approved and paid, flags), then the actions the user may take now, then the
details and the timeline; the triage's rule-by-rule text folds away."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from jijinan.cases.choices import PaymentStatus
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import AidPayment, Case, CaseEvent
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from tests.test_cases import TOWNSHIP, VILLAGE, _household, _person, intake
from tests.world import XUANWU, persona


def _page(user, case: Case) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _summary(page: str) -> str:
    start = page.index('data-testid="case-summary"')
    return page[start:page.index("</section>", start)]


def _value(summary: str, key: str) -> str:
    found = re.search(r'<dd data-summary="' + key + r'">(.*?)</dd>', summary, re.S)
    assert found, (key, summary)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def _deadline(case: Case, owner, due_at, **fields) -> Deadline:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Deadline.objects.create(
        subject_type="cases.case", subject_id=str(case.pk), kind="cases.stage.review",
        region_code=case.handling_region.code,
        owner_user=owner, started_at=now - timedelta(days=3), unit="hours", limit=1, due_at=due_at,
        counted_from=now - timedelta(days=3), counted_units=1, **fields)


def test_the_summary_comes_first_with_its_values_then_the_actions_then_the_details(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    approver.full_name = "审批人甲"
    approver.save()
    case = world.extra["cases"]["case"][True]  # with a deflection flag on one of its tasks
    Case.objects.filter(pk=case.pk).update(
        reporter_name="张三", reporter_relation="邻居", subject_name="李四", requested_amount_fen=300000,
        decided_amount_fen=250000, crisis=True, fast_tracked=True, paperwork_owed=True, close_relative=True)
    case.refresh_from_db()
    # Aid was given (its move on the timeline) and one payment of 1,000 元 went out.
    CaseEvent.objects.create(case=case, kind="stage.assist", summary="救助实施", actor=clerk)
    AidPayment.objects.filter(aid__case=case).update(status=PaymentStatus.PAID)
    now = timezone.now()
    _deadline(case, clerk, now - timedelta(days=9), met_at=now - timedelta(days=10))  # met: not next
    _deadline(case, approver, now + timedelta(days=2, hours=1))
    _deadline(case, clerk, now + timedelta(days=6))

    page = _page(clerk, case)
    summary = _summary(page)
    assert _value(summary, "applicant") == "张三（邻居）"
    assert _value(summary, "subject") == "李四"
    assert _value(summary, "stage") == case.get_stage_display()
    next_deadline = _value(summary, "next-deadline")
    assert next_deadline.startswith("审核期限：") and "到期" in next_deadline
    assert next_deadline.endswith("负责人：审批人甲")  # the nearest running one, not the met or the later one
    assert _value(summary, "requested") == "3,000.00 元"
    assert _value(summary, "approved") == "2,500.00 元"
    assert _value(summary, "paid") == "1,000.00 元"
    flags = _value(summary, "flags")
    for flag in ("危机个案", "先行救助，待补办手续", "近亲属备案对象", "推诿预警 1 条"):
        assert flag in flags
    # In this order: the summary's rows, then the actions, then the details and the timeline.
    keys = ["applicant", "subject", "stage", "next-deadline", "requested", "approved", "paid", "flags"]
    positions = [page.index(f'data-summary="{k}"') for k in keys]
    assert positions == sorted(positions)
    assert positions[-1] < page.index('data-testid="case-workflow"') < page.index('data-testid="case-subject"') \
        < page.index('data-testid="case-timeline"')
    workflow = page[page.index('data-testid="case-workflow"'):]
    actions = workflow.find('data-testid="workflow-actions"')
    if actions == -1:
        actions = workflow.index("当前阶段没有您可办理的动作")
    assert actions < workflow.index('data-testid="workflow-state"')


def test_a_plain_case_says_what_it_lacks(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    case = case_intake(actor=clerk, data=intake(subject_name="王五", reporter_name="")).case
    Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).update(met_at=timezone.now())
    summary = _summary(_page(clerk, case))
    assert _value(summary, "applicant") == "—"
    assert _value(summary, "next-deadline") == "没有进行中的期限"
    assert _value(summary, "requested") == "—" and _value(summary, "approved") == "—"
    assert _value(summary, "paid") == "0.00 元"
    assert "危机个案" not in summary and "推诿预警" not in summary


def test_the_triage_rule_by_rule_text_folds_away(world, defaults):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    head = _person("张伟", VILLAGE, 11)
    _household(head)
    case = case_intake(actor=clerk, data=intake(person_id=head.pk, subject_name="", needs=["money"])).case
    page = _page(clerk, case)
    triage = page[page.index('data-testid="case-triage"'):]
    triage = triage[:triage.index("</article>")]
    assert "最低生活保障" in triage
    lines = case.triage["suggestions"]
    assert any(s.get("lines") for s in lines)
    for part in triage.split('data-testid="suggestion"')[1:]:
        if "<ul>" in part:
            assert part.index('<details class="fold"><summary>逐条测算依据</summary>') < part.index("<ul>")


def test_a_person_who_asked_for_themself_is_the_applicant(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    person = _person("赵本人", TOWNSHIP, 31)
    case = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="", reporter_name="")).case
    assert _value(_summary(_page(clerk, case)), "applicant") == "赵本人（本人）"

"""The pages of deflection flags, accountability records and approval filings fit a 390-pixel
phone and pass axe-core, in Chinese and in English: a supervisor and a county approver visit them
with a flag to settle, a record, and a township approval filed and drawn for a spot check."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from e2e.conftest import check_page, ready, seed_again, sign_in
from e2e.test_layout import PHONE, _wide
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, NeedType
from jijinan.cases.workflow import services as wf
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.permissions import Role
from jijinan.referrals.choices import FlagReason
from jijinan.referrals.models import DeflectionFlag, Task
from jijinan.regions.models import Region
from jijinan.supervision.accountability import services as accountability
from jijinan.supervision.filings import services as filings
from jijinan.supervision.models import ApprovalFiling
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    people = {role: ready(persona(world, role, at=XUANWU)) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.SUPERVISOR, Role.COUNTY_APPROVER)}
    head = _person("阿卜杜热合曼·艾买提江", TOWNSHIP, 11, phone="13912345678")
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, household_id=_household(head).pk, subject_name="", needs=["money", "medical"],
        reporter_phone="13912345678")).case
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=wf.ReviewInput(opinion="经入户调查，情况属实", requested_amount_fen=150000,
                                              home_visit_on=timezone.localdate()))
    case = wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    outbox_deliver_due(worker_id="layout")  # files the township's approval
    filing = ApprovalFiling.objects.get(case=case)
    today = timezone.localdate()
    filings.filing_draw(actor=people[Role.COUNTY_APPROVER], data=filings.DrawInput(
        county_code=XUANWU, period_from=today, period_to=today, share_percent="100"))
    need, _created = NeedType.objects.get_or_create(code="medical", defaults={"name": "医疗"})
    task = Task.objects.create(case=case, sequence=1, need=need, office=world.health_office,
                               description="医疗费用报销", required_result="报销金额", returns=2)
    flag = DeflectionFlag.objects.create(
        task=task, reason=FlagReason.RETURNS, detail=f"任务 {task.number} 已被退回 2 次（达到 2 次即预警）",
        offices=[world.health_office.name], history=[], covering_region=Region.objects.get(code=XUANWU),
        covering_office=world.xuanwu_office)
    subject = accountability.subject_find(actor=people[Role.SUPERVISOR], kind="task", number=task.number)
    record = accountability.accountability_record(actor=people[Role.SUPERVISOR], subject=subject,
                                                  data=accountability.AccountabilityInput(
        failing="deflection", responsible_office_id=world.health_office.pk, responsible_person="欧阳明月 医政科科长",
        finding="两次退回均无正当理由，致使住院费用报销延误十五个工作日", measure="约谈并通报批评",
        decided_on=date(2026, 11, 20)))
    return {"people": people, "flag": flag, "record": record, "filing": filing, "case": case}


def test_the_supervision_pages_fit_a_phone_and_pass_axe(browser, live_server):  # type: ignore[no-untyped-def]
    setup = _setup()
    people = setup["people"]
    assert isinstance(people, dict)
    flag, record, filing = setup["flag"], setup["record"], setup["filing"]
    pages = {
        Role.SUPERVISOR: [
            ("flags-live", "/referrals/flags/"), ("flag", f"/referrals/flags/{flag.pk}/"),  # type: ignore[attr-defined]
            ("accountability", "/supervision/accountability/"),
            ("accountability-new", f"/supervision/accountability/new/?case={setup['case'].number}"),  # type: ignore[attr-defined]
            ("accountability-record", f"/supervision/accountability/{record.pk}/"),  # type: ignore[attr-defined]
            ("accountability-edit", f"/supervision/accountability/{record.pk}/edit/")],  # type: ignore[attr-defined]
        Role.COUNTY_APPROVER: [
            ("home-approver", "/"), ("filings", "/supervision/filings/"),
            ("filing", f"/supervision/filings/{filing.pk}/")],  # type: ignore[attr-defined]
    }
    problems: list[str] = []
    seen = 0
    for role, visits in pages.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        sign_in(page, people[role].username)
        for language in ("zh-hans", "en"):
            context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
            for name, url in visits:
                response = page.goto(live_server.url + url)
                if response is None or response.status != 200:
                    problems.append(f"{role} {url}: {response and response.status}")
                    continue
                for summary in page.locator("[data-testid=draw] > summary").all():
                    summary.click()  # the draw form, open
                try:
                    check_page(page, f"supervision-{language}-{name}")
                except AssertionError as failed:
                    problems.append(str(failed).split("\nassert ")[0] + _wide(page))
                seen += 1
        context.close()
    assert not problems, "\n\n".join(problems)
    assert seen == 2 * sum(len(v) for v in pages.values())

"""Journey: a house fire whose request (¥12,000) is above the cap. The township reviewer's review
escalates it to 玄武区's government; the district head convenes a consultation and invites three
departments; two give their opinions from their own pages and the third's is recorded on its
behalf; the meeting is recorded and the decision approves ¥12,000 case by case (一事一议) with two
department duties; the county approves on the consultation's authority, the aid is paid, the
departments complete their duties, and the case closes. Every step goes through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from e2e.conftest import JOURNEY_PASSWORD, check_page, ready, screenshot, seed_again, sign_in, sign_out
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.cases.choices import Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseAid, PublicNotice
from jijinan.consultation.choices import EscalationStatus, OpinionStatus
from jijinan.consultation.models import Escalation, Opinion
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.permissions import Role
from jijinan.referrals.choices import TaskStatus
from jijinan.referrals.models import Task
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, build_world, government_office, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _handler(office: Organisation, username: str) -> User:
    user = User.objects.create_user(username=username, password=JOURNEY_PASSWORD, organisation=office,
                                    full_name=username)
    Grant.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, region=office.region,
                         department_type=office.department_type)
    return ready(user)


def _office(name: str, code: str) -> Organisation:
    return Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name=name,
                                       region=Region.objects.get(code=XUANWU),
                                       department_type=DepartmentType.objects.get(code=code))


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    government_office()
    offices = {"health": world.health_office, "education": _office("玄武区教育局", "education"),
               "housing": _office("玄武区住建局", "housing")}
    people = {role: ready(persona(world, role, at=XUANWU)) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.GOVERNMENT_LEADER)}
    handlers = {name: _handler(office, f"{name}_journey") for name, office in offices.items()}
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", categories=["fire"],
        needs=["money", "medical", "education"], description="凌晨家中失火，房屋烧毁，孩子烧伤住院")).case
    return {"offices": offices, "people": people, "handlers": handlers, "case": case}


def _act(page, name: str, fields: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    card = page.locator(f"[data-testid=action-{name}]")
    for field, value in (fields or {}).items():
        card.locator(f"[name='{name}-{field}']").fill(value)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _give_opinion(page, user: User, text: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, user.username)
    page.goto(page.base_url + "/consultation/opinions/")
    page.locator("[data-testid=office-opinion-row] a").first.click()
    page.wait_for_load_state()
    form = page.locator("[data-testid=give-opinion] form")
    form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已提出意见" in page.locator("[data-testid=opinion-status]").inner_text()
    sign_out(page)


def _complete_task(page, user: User, task: Task, result: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, user.username)
    page.goto(page.base_url + f"/referrals/office/{task.pk}/")
    page.locator("[data-testid=accept] button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("[data-testid=complete] form")
    form.locator("textarea[name=result]").fill(result)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED
    sign_out(page)


def test_a_house_fire_above_the_cap_is_decided_by_consultation_and_closes(page):  # type: ignore[no-untyped-def]
    setup = _setup()
    case, people, handlers, offices = setup["case"], setup["people"], setup["handlers"], setup["offices"]
    assert isinstance(case, Case) and isinstance(people, dict) and isinstance(handlers, dict)
    assert isinstance(offices, dict)

    # The reviewer's review proposes ¥12,000: above the cap (10 × 945), so the case is escalated.
    sign_in(page, people[Role.TOWNSHIP_REVIEWER].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    _act(page, "review", {"opinion": "经入户调查，房屋全部烧毁，孩子二度烧伤住院", "requested_amount": "12000",
                          "home_visit_on": timezone.localdate().isoformat()})
    escalation = Escalation.objects.get(case=case)
    assert escalation.trigger == "above_cap" and escalation.status == EscalationStatus.OPEN
    page.wait_for_selector("[data-testid=case-escalation-row]")
    screenshot(page, "consultation-1-escalated")
    sign_out(page)

    # The district head convenes the consultation from the list and invites three departments.
    sign_in(page, people[Role.GOVERNMENT_LEADER].username)
    page.goto(page.base_url + "/consultation/")
    page.click(f"[data-testid=escalation-row] a:has-text('{escalation.number}')")
    page.wait_for_load_state()
    convene = page.locator("[data-testid=convene] form")
    convene.locator("textarea[name=agenda]").fill("王建国家火灾后房屋烧毁、孩子住院，研究一事一议和部门分工")
    for i, name in enumerate(("health", "education", "housing")):
        convene.locator(f"select[name='invitations-{i}-office']").select_option(str(offices[name].pk))
    check_page(page, "consultation-2-convene")
    convene.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Opinion.objects.filter(consultation__escalation=escalation).count() == 3
    sign_out(page)
    outbox_deliver_due(worker_id="journey")

    # Two departments answer from their own pages.
    _give_opinion(page, handlers["health"], "同意纳入医疗救助，协调医院减免住院费用")
    _give_opinion(page, handlers["education"], "同意减免孩子本学期学费和住宿费")

    # The head records the housing office's opinion given by phone, the meeting, and the decision.
    sign_in(page, people[Role.GOVERNMENT_LEADER].username)
    page.goto(page.base_url + f"/consultation/{escalation.pk}/")
    housing = Opinion.objects.get(consultation__escalation=escalation, office=offices["housing"])
    behalf = page.locator("[data-testid=behalf]").filter(has_text="玄武区住建局")
    behalf.locator("summary").click()
    behalf.locator(f"textarea[name='opinion-{housing.pk}-text']").fill("可安排公租房过渡居住（电话意见）")
    behalf.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Opinion.objects.filter(consultation__escalation=escalation, status=OpinionStatus.GIVEN).count() == 3
    meeting = page.locator("[data-testid=meeting]")
    meeting.locator("summary").click()
    meeting.locator("input[name=held_at]").fill(
        timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    meeting.locator("input[name=place]").fill("区政府三楼会议室")
    meeting.locator("textarea[name=attendees]").fill("区长、民政局、卫健委、教育局、住建局")
    meeting.locator("textarea[name=minutes]").fill("同意一事一议给予临时救助 12,000 元；卫健、教育分工落实")
    meeting.locator("button[type=submit]").click()
    page.wait_for_load_state()
    decide = page.locator("[data-testid=decide] form")
    decide.locator("select[name=outcome]").select_option("support")
    decide.locator("textarea[name=plan]").fill("一事一议给予临时救助 12,000 元；卫健落实医疗费用减免，教育落实学费减免")
    decide.locator("input[name=case_by_case_amount]").fill("12000")
    decide.locator("select[name='funding-0-source']").select_option("program_budget")
    decide.locator("input[name='funding-0-amount']").fill("12000")
    decide.locator("select[name='duties-0-office']").select_option(str(offices["health"].pk))
    decide.locator("textarea[name='duties-0-description']").fill("协调医院减免住院费用")
    decide.locator("select[name='duties-1-office']").select_option(str(offices["education"].pk))
    decide.locator("textarea[name='duties-1-description']").fill("减免孩子本学期学费和住宿费")
    decide.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=decision]")
    assert page.locator("[data-testid=decision-amount]").inner_text().strip() == "12,000.00"
    assert page.locator("[data-testid=duty]").count() == 2
    check_page(page, "consultation-3-decided")
    sign_out(page)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECIDED
    tasks = {t.office_id: t for t in Task.objects.filter(case=case)}
    assert set(tasks) == {offices["health"].pk, offices["education"].pk}

    # The public notice (above the township ceiling) has run its days.
    PublicNotice.objects.filter(case=case).update(starts_at=timezone.now() - timedelta(days=8),
                                                  ends_at=timezone.now() - timedelta(minutes=1))

    # The county approves on the consultation's authority; the reviewer pays.
    sign_in(page, people[Role.COUNTY_APPROVER].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    _act(page, "approve")
    case.refresh_from_db()
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 1_200_000
    sign_out(page)
    sign_in(page, people[Role.TOWNSHIP_REVIEWER].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    page.locator("[data-testid=action-assist] select[name='assist-method']").select_option("cash")
    _act(page, "assist", {"amount": "12000", "note": "按会商决定一次性发放"})
    case.refresh_from_db()
    assert case.stage == Stage.ASSISTED and CaseAid.objects.get(case=case).amount_fen == 1_200_000
    sign_out(page)

    # The departments complete their duties.
    _complete_task(page, handlers["health"], tasks[offices["health"].pk], "已协调医院减免住院费用 3,000 元")
    _complete_task(page, handlers["education"], tasks[offices["education"].pk], "已减免本学期学费和住宿费")

    # The reviewer calls back and closes the case.
    sign_in(page, people[Role.TOWNSHIP_REVIEWER].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    _act(page, "follow_up")
    page.goto(page.base_url + f"/cases/{case.pk}/follow-up/")
    page.select_option("select[name=method]", value="visit")
    page.fill("input[name=done_on]", timezone.localdate().isoformat())
    page.fill("textarea[name=outcome]", "已入住公租房，孩子出院复学")
    page.select_option("select[name=satisfaction]", value="5")
    page.select_option("select[name=need_resolved]", value="yes")
    page.click("form[data-testid=follow-up-form] button[type=submit].button-primary")
    page.wait_for_selector("[data-testid=workflow-follow-ups]")
    page.goto(page.base_url + f"/cases/{case.pk}/")
    reason = page.locator("[data-testid=action-close] [name='close-reason']")
    if reason.count():
        reason.fill("资金救助已由会商一事一议解决")
    page.locator("[data-testid=action-close] button[type=submit]").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    screenshot(page, "consultation-4-closed")
    assert page.console_errors == []

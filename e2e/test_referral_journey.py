"""Journey: a township reviewer splits a case to 医保 and 教育 (the matrix proposes 卫健 too, which
the reviewer leaves out); 教育 returns its task with a reason; 医保 accepts and completes with the
amount paid; the reviewer sees both on the case page, and the notices in the inbox."""

from __future__ import annotations

import pytest

from e2e.conftest import JOURNEY_PASSWORD, ready, screenshot, seed_again, sign_in, sign_out
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.cases.intake.services import case_intake
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.permissions import Role
from jijinan.referrals.choices import TaskStatus
from jijinan.referrals.models import Task
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = JOURNEY_PASSWORD


def _handler(office: Organisation, username: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, organisation=office, full_name=username)
    Grant.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, region=office.region,
                         department_type=office.department_type)
    return ready(user)


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    xuanwu = Region.objects.get(code=XUANWU)
    medical = Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name="玄武区医保局", region=xuanwu,
                                          department_type=DepartmentType.objects.get(code="medical_security"))
    education = Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name="玄武区教育局",
                                            region=xuanwu, department_type=DepartmentType.objects.get(code="education"))
    reviewer = ready(persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU))
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    case = case_intake(actor=clerk, data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", categories=["serious_illness"],
        needs=["medical", "education"], description="住院费用高，孩子面临辍学")).case
    return {"reviewer": reviewer, "medical": _handler(medical, "yb_journey"),
            "education": _handler(education, "jy_journey"), "case": case, "offices": (medical, education),
            "health": world.health_office}


def _open_task(page, number: str) -> None:  # type: ignore[no-untyped-def]
    page.click("nav.menu summary:has-text('部门协同')")  # the group's drop-down
    page.click("nav.menu >> text=部门任务")
    page.wait_for_load_state()
    page.click(f"[data-testid=office-queue] >> text={number}")
    page.wait_for_load_state()


def test_split_to_two_departments_one_returns_one_completes(page):  # type: ignore[no-untyped-def]
    setup = _setup()
    case = setup["case"]
    medical_office, education_office = setup["offices"]  # type: ignore[misc]

    # The reviewer opens the case; the tasks panel loads beside the stage line and offers the split.
    sign_in(page, setup["reviewer"].username)  # type: ignore[attr-defined]
    page.goto(f"{page.base_url}/cases/{case.pk}/")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=split-link]")
    page.click("[data-testid=split-link]")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=split-row]")
    assert rows.count() == 5  # 卫健, 医保, 教育 from the matrix, and two free rows
    for i in range(rows.count()):
        row = rows.nth(i)
        office = row.locator("select[name$='-office']").input_value()
        if office == str(setup["health"].pk):  # type: ignore[attr-defined]
            row.locator("input[name$='-pick']").uncheck()  # 卫健 is not needed here
    screenshot(page, "referral-1-split")
    page.click("[data-testid=split-submit]")
    page.wait_for_selector("[data-testid=task-row]")
    assert page.locator("[data-testid=task-row]").count() == 2
    offices = set(Task.objects.filter(case=case).values_list("office__name", flat=True))
    assert offices == {"玄武区医保局", "玄武区教育局"}
    sign_out(page)
    outbox_deliver_due(worker_id="journey")

    # 教育 finds the task in its queue (and its inbox) and returns it: the student is already funded.
    education_task = Task.objects.get(case=case, office=education_office)
    sign_in(page, setup["education"].username)  # type: ignore[attr-defined]
    assert page.locator("[data-testid=inbox-link] .badge").inner_text() == "1"
    _open_task(page, education_task.number)
    assert "王建国" in page.locator("[data-testid=task-brief]").inner_text()
    form = page.locator("[data-testid=return] form")
    form.locator("select[name=reason_code]").select_option("already_handled")
    form.locator("textarea[name=reason]").fill("该生已享受国家助学金和学费减免")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Task.objects.get(pk=education_task.pk).status == TaskStatus.RETURNED
    sign_out(page)

    # 医保 accepts and completes with the amount paid.
    medical_task = Task.objects.get(case=case, office=medical_office)
    sign_in(page, setup["medical"].username)  # type: ignore[attr-defined]
    _open_task(page, medical_task.number)
    page.locator("[data-testid=accept] button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("[data-testid=complete] form")
    form.locator("textarea[name=result]").fill("医疗救助已结算，个人负担部分按 70% 救助")
    form.locator("input[name=amount_yuan]").fill("32000")
    screenshot(page, "referral-2-complete")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    done = Task.objects.get(pk=medical_task.pk)
    assert done.status == TaskStatus.COMPLETED and done.result_amount_fen == 3_200_000
    sign_out(page)
    outbox_deliver_due(worker_id="journey")

    # The reviewer sees both outcomes on the case page, and the notices.
    sign_in(page, setup["reviewer"].username)  # type: ignore[attr-defined]
    assert page.locator("[data-testid=inbox-link] .badge").inner_text() == "2"
    page.goto(f"{page.base_url}/cases/{case.pk}/")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=task-row]")
    panel = page.locator("[data-testid=case-tasks-panel]").inner_text()
    assert "已退回" in panel and "已办结" in panel and "32,000.00" in panel
    screenshot(page, "referral-3-case")
    page.click("[data-testid=inbox-link]")
    page.wait_for_load_state()
    inbox = page.locator("[data-testid=inbox]").inner_text()
    assert "被玄武区教育局退回" in inbox and "已办结任务" in inbox
    assert page.console_errors == []

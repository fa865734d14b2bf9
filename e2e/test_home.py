"""Journey: a window clerk on a 390×844 phone opens the menu, reads the home page (what is overdue,
what waits, the unread notice) and opens a case from it: its summary comes first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from e2e.conftest import check_page, ready, seed_again, sign_in
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.models import Deadline
from tests.test_cases_queue import make_case
from tests.world import XUANWU, build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _setup():  # type: ignore[no-untyped-def]
    seed_again()
    world = build_world()
    clerk = persona(world, "window_clerk", at=XUANWU)
    clerk.full_name = "窗口甲"
    ready(clerk)
    case = make_case(owner=clerk, subject_name="王建国", reporter_name="李秀英", reporter_relation="邻居",
                     requested_amount_fen=150000, crisis=True)
    now = timezone.now()
    Deadline.objects.create(
        subject_type="cases.case", subject_id=str(case.pk), kind="cases.stage.review",
        region_code=case.handling_region.code, owner_user=clerk, started_at=now - timedelta(days=4), unit="hours",
        limit=1, due_at=now - timedelta(days=1, hours=2), counted_from=now - timedelta(days=4), counted_units=1)
    inbox_post(user_ids=[clerk.pk], notice=Notice(kind="tests.notice", title="王建国的病历已补齐"))
    return clerk, case


def test_a_clerk_on_a_phone_opens_the_menu_and_a_case_from_the_home_page(page):  # type: ignore[no-untyped-def]
    clerk, case = _setup()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, clerk.username)
    page.goto(page.base_url + "/")

    # What now: the overdue case, the queue, the unread notice.
    due = page.locator("[data-panel='core.due']")
    assert due.locator("[data-testid=panel-count]").inner_text() == "1"
    assert "已超期 1 天" in due.inner_text()
    assert "王建国的病历已补齐" in page.locator("[data-panel='core.inbox']").inner_text()

    # The menu: a labelled button opens the groups stacked; a group opens by keyboard.
    button = page.get_by_role("button", name="菜单")
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.menu").is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    cases_group = page.locator("nav.menu summary:has-text('个案')")
    assert cases_group.is_visible()
    cases_group.focus()
    page.keyboard.press("Enter")
    intake = page.locator("nav.menu >> text=受理登记")
    assert intake.is_visible()
    page.keyboard.press("Escape")
    assert not intake.is_visible()
    page.keyboard.press("Enter")
    check_page(page, "home-phone-menu")

    # The case, from the home page: the summary first, then the actions.
    button.click()
    due.locator(f"a[href='/cases/{case.pk}/']").click()
    page.wait_for_load_state()
    summary = page.locator("[data-testid=case-summary]")
    assert "李秀英（邻居）" in summary.inner_text() and "1,500.00" in summary.inner_text()
    assert "负责人：窗口甲" in summary.inner_text() and "危机个案" in summary.inner_text()
    top = summary.bounding_box()
    workflow = page.locator("[data-testid=case-workflow]").bounding_box()
    assert top is not None and workflow is not None and top["y"] < workflow["y"]
    check_page(page, "case-phone-summary")
    assert page.console_errors == []


def test_the_home_page_and_a_menu_group_in_english_on_a_desktop(page):  # type: ignore[no-untyped-def]
    clerk, _case = _setup()
    sign_in(page, clerk.username)
    page.goto(page.base_url + "/")
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Workbench"
    assert "1 day overdue" in page.locator("[data-panel='core.due']").inner_text()
    assert not page.get_by_role("button", name="Menu").is_visible()  # the groups sit on one line
    group = page.locator("nav.menu summary:has-text('Cases')")
    group.click()
    assert page.locator("nav.menu >> text=Intake").is_visible()
    page.click("h1")  # a click elsewhere closes it
    assert not page.locator("nav.menu >> text=Intake").is_visible()
    group.click()
    check_page(page, "home-en-menu-open")
    assert page.console_errors == []

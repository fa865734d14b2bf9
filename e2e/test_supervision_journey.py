"""Journey: supervision (督查督办) of two cases taken in at 梅园新村街道 (玄武区). Case A's review is
overdue past its grace, so the real sweeps open an automatic order to the township's civil-affairs
office. The county supervisor finds case A on the board (the county, then the township), opens the
case, exports the board; sees the automatic order and opens one by hand on case B. The township
reviewer answers the automatic order with a document; the supervisor closes it as satisfied and
records an accountability record on case A. A county approver cannot reach the accountability
records. Every step the users take goes through the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from e2e.conftest import JOURNEY_PASSWORD, check_page, ready, screenshot, seed_again, sign_in, sign_out
from jijinan.accounts.models import Grant, Organisation, User
from jijinan.audit.models import AccessLog
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case
from jijinan.core.calendar.workdays import calendar_snapshot, end_of_day
from jijinan.core.deadlines.models import Deadline
from jijinan.core.deadlines.services import deadline_sweep
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.messaging.models import InboxItem
from jijinan.core.permissions import Role
from jijinan.referrals.models import DeflectionFlag
from jijinan.regions.models import Region
from jijinan.supervision.choices import Failing, MatterKind, OrderEventKind, OrderStatus
from jijinan.supervision.models import AccountabilityRecord, OrderAttachment, SupervisionOrder
from jijinan.supervision.orders.sweep import order_sweep
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.test_supervision_orders import PDF, make_offices
from tests.world import XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


def _township_staff(office: Organisation, role: str, username: str, name: str) -> User:
    """A member of the township office's staff, with ``role`` in the township."""
    user = User.objects.create_user(username=username, password=JOURNEY_PASSWORD, organisation=office,
                                    full_name=name, mobile="13900000021")
    Grant.objects.create(user=user, role=role, region=Region.objects.get(code=TOWNSHIP))
    return ready(user)


def _check_on_a_phone(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """check_page at a 390-pixel phone's width, then back to the desktop window."""
    page.set_viewport_size(PHONE)
    try:
        check_page(page, name)
    finally:
        page.set_viewport_size(DESKTOP)


def _working_day_before(days: int) -> datetime:
    """The end of a working day at least ``days`` before today (Beijing time)."""
    snapshot = calendar_snapshot()
    day = timezone.localdate() - timedelta(days=days)
    while not snapshot.is_working_day(day):
        day -= timedelta(days=1)
    return end_of_day(day)


def _stage_deadline(case: Case) -> Deadline:
    return Deadline.objects.get(subject_type="cases.case", subject_id=str(case.pk), met_at__isnull=True,
                                cancelled_at__isnull=True)  # the stage's only one: not an emergency category


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    offices = make_offices(world)
    township = offices["township"]
    clerk = _township_staff(township, Role.WINDOW_CLERK, "mx_clerk", "梅园窗口")
    reviewer = _township_staff(township, Role.TOWNSHIP_REVIEWER, "mx_reviewer", "梅园审核")
    supervisor = ready(persona(world, Role.SUPERVISOR, at=XUANWU))
    approver = ready(persona(world, Role.COUNTY_APPROVER, at=XUANWU))
    cases = []
    for seq, (name, spouse, category, story) in enumerate((
            ("王建国", "李秀英", "unemployment", "工厂停产后失业三个月，家中断炊"),
            ("赵德明", "孙桂兰", "schooling", "孩子考上大学，家庭无力负担学费和住宿费"))):
        head = _person(name, TOWNSHIP, 31 + 2 * seq, phone="13912345678")
        household = _household(head, _person(spouse, TOWNSHIP, 32 + 2 * seq))
        cases.append(case_intake(actor=clerk, data=intake(
            person_id=head.pk, household_id=household.pk, subject_name="", categories=[category],
            needs=["money"], description=story)).case)
    case_a, case_b = cases
    # Case A's stage deadline is moved into the past (ten working days ago): overdue for longer than
    # the one working day of grace (case_handling.supervision_order_grace). Case B's stays as started.
    deadline = _stage_deadline(case_a)
    due = _working_day_before(10)
    Deadline.objects.filter(pk=deadline.pk).update(
        due_at=due, started_at=due - timedelta(days=3), counted_from=due - timedelta(days=3))
    before = list(SupervisionOrder.objects.values_list("pk", flat=True))  # the world's own orders
    deadline_sweep()
    order_sweep()
    outbox_deliver_due(worker_id="test")
    return {"world": world, "offices": offices, "clerk": clerk, "reviewer": reviewer, "supervisor": supervisor,
            "approver": approver, "case_a": case_a, "case_b": case_b, "deadline": deadline,
            "before": before}


def test_an_overdue_case_is_supervised_answered_closed_and_held_to_account(page):  # type: ignore[no-untyped-def]
    setup = _setup()
    case_a, case_b = setup["case_a"], setup["case_b"]
    supervisor, reviewer, approver = setup["supervisor"], setup["reviewer"], setup["approver"]
    offices, deadline = setup["offices"], setup["deadline"]
    assert isinstance(case_a, Case) and isinstance(case_b, Case) and isinstance(offices, dict)
    assert isinstance(supervisor, User) and isinstance(reviewer, User) and isinstance(approver, User)
    assert isinstance(deadline, Deadline)
    township = offices["township"]

    # The sweeps: case A's deadline is breached and chased by one automatic order to the township office.
    deadline.refresh_from_db()
    assert deadline.breached_at is not None
    # (The world's own live deflection flags get theirs too; none goes to the township.)
    opened = SupervisionOrder.objects.exclude(pk__in=setup["before"])
    flags = {f"flag:{pk}" for pk in DeflectionFlag.objects.values_list("pk", flat=True)}
    assert set(opened.values_list("matter_key", flat=True)) == {f"deadline:{deadline.pk}", *flags}
    [auto] = SupervisionOrder.objects.filter(addressee_office=township)
    assert (auto.matter_kind, auto.status, auto.automatic, auto.case_id) == (
        MatterKind.DEADLINE, OrderStatus.OPEN, True, case_a.pk)
    assert auto.addressee_office == township and auto.issuing_office == offices["county"]
    assert InboxItem.objects.filter(user=reviewer, subject_type="supervision.order",
                                    subject_id=str(auto.pk)).count() == 1

    # The supervisor: the board's panel on the home page, the county's board, the township, case A.
    sign_in(page, supervisor.username)
    panel = page.locator("[data-panel='supervision.board']")
    assert "已超期 1 项" in panel.inner_text()
    panel.locator("a:has-text('打开督查期限看板')").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=board-totals] [data-count=overdue]").inner_text() == "1"
    row = page.locator("[data-testid=board-group]").filter(has_text="梅园新村街道")
    assert row.locator("[data-count=overdue]").inner_text().strip() == "1"
    _check_on_a_phone(page, "supervision-journey-1-board")
    row.locator("a").click()
    page.wait_for_load_state()
    assert "梅园新村街道" in page.locator("h1").inner_text()
    _check_on_a_phone(page, "supervision-journey-2-board-township")
    late = page.locator("[data-testid=board-row]").filter(has_text=case_a.number)
    assert late.locator("[data-testid=lateness]").inner_text().startswith("已超期")
    with page.expect_download() as download:
        page.locator("[data-testid=export-link]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(BytesIO(download.value.path().read_bytes()), read_only=True)
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None]
    assert any(case_a.number in c for c in cells)
    shown = page.locator("[data-testid=board-row]").count()
    [logged] = AccessLog.objects.filter(actor=supervisor, subject_type="core.deadline")
    assert shown == 1 and logged.rows == shown  # the township's rows, as filtered on the page
    late.locator(f"a:has-text('{case_a.number}')").click()
    page.wait_for_selector("[data-testid=case-orders-panel]")
    assert page.url.endswith(f"/cases/{case_a.pk}/")
    owner = page.locator("[data-testid=owner-now]").inner_text()
    assert "审核期限" in owner and township.name in owner and "已超期" in owner  # nobody holds it: the office
    assert page.locator("[data-testid=case-order-row]").filter(has_text=auto.number).count() == 1
    screenshot(page, "supervision-journey-3-case")

    # The orders: the automatic one listed; one by hand on case B, found by its number.
    page.goto(page.base_url + "/supervision/orders/")
    assert page.locator("[data-testid=order-row]").filter(has_text=auto.number).count() == 1
    page.click("[data-testid=order-new]")
    page.wait_for_load_state()
    search = page.locator("[data-testid=case-search]")
    search.locator("input[name=q]").fill(case_b.number)
    search.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("[data-testid=cases-found] tr").filter(has_text=case_b.number).locator(
        "[data-testid=supervise-case]").click()
    page.wait_for_load_state()
    form = page.locator("[data-testid=open-order] form")
    form.locator("textarea[name=reason]").fill("赵德明家孩子下周开学，临时救助仍未审核，家属多次来电反映")
    form.locator("textarea[name=required_response]").fill("请三个工作日内完成入户调查和审核，答复办理结果")
    form.locator("select[name=addressee_office]").select_option(str(township.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=order-summary]")
    by_hand = SupervisionOrder.objects.get(case=case_b)
    assert page.url.endswith(f"/supervision/orders/{by_hand.pk}/")
    assert (by_hand.automatic, by_hand.status, by_hand.issued_by, by_hand.addressee_office) == (
        False, OrderStatus.OPEN, supervisor, township)
    assert SupervisionOrder.objects.filter(addressee_office=township, status=OrderStatus.OPEN).count() == 2
    _check_on_a_phone(page, "supervision-journey-4-order-by-hand")
    sign_out(page)
    outbox_deliver_due(worker_id="test")

    # The township reviewer: two orders wait for an answer; the automatic one is answered with a document.
    sign_in(page, reviewer.username)
    waiting = page.locator("[data-panel='supervision.orders_addressed']")
    assert waiting.locator("[data-testid=panel-count]").inner_text() == "2"
    assert "有 2 件督办待答复" in waiting.inner_text()
    waiting.locator(f"a:has-text('{auto.number}')").click()
    page.wait_for_selector("[data-testid=answer]")
    answer = page.locator("[data-testid=answer] form")
    answer.locator("textarea[name=answer]").fill("已于昨日入户调查，审核意见已提交，救助金本周内发放")
    answer.locator("input[name=documents]").set_input_files(
        files=[{"name": "入户调查记录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    answer.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已答复" in page.locator("[data-testid=order-status]").inner_text()
    auto.refresh_from_db()
    assert auto.status == OrderStatus.ANSWERED and auto.answered_by == reviewer
    assert OrderAttachment.objects.filter(order=auto).count() == 1
    sign_out(page)

    # The supervisor closes it as satisfied; its history shows it opened, answered and closed.
    sign_in(page, supervisor.username)
    page.goto(page.base_url + f"/supervision/orders/{auto.pk}/")
    review = page.locator("[data-testid=review] form")
    review.locator("input[name=decision][value=close]").check()
    review.locator("button[type=submit]").click()
    page.wait_for_load_state()
    auto.refresh_from_db()
    assert auto.status == OrderStatus.CLOSED and auto.closed_by == supervisor
    assert list(auto.events.order_by("at", "id").values_list("kind", flat=True)) == [
        OrderEventKind.OPENED, OrderEventKind.ANSWERED, OrderEventKind.CLOSED]
    history = page.locator("[data-testid=history-event]")
    assert history.count() == 3
    shown = page.locator("[data-testid=history]").inner_text()
    for kind in (OrderEventKind.OPENED, OrderEventKind.ANSWERED, OrderEventKind.CLOSED):
        assert str(kind.label) in shown
    assert "入户调查记录.pdf" in shown
    _check_on_a_phone(page, "supervision-journey-5-order-closed")
    assert list(SupervisionOrder.objects.filter(addressee_office=township, status=OrderStatus.OPEN)) == [by_hand]

    # An accountability record on case A, chosen by its number (the world holds a few of its own).
    known = list(AccountabilityRecord.objects.values_list("pk", flat=True))
    page.goto(page.base_url + "/supervision/accountability/")
    page.click("[data-testid=accountability-new]")
    page.wait_for_load_state()
    form = page.locator("[data-testid=accountability-form]")
    form.locator("input[name=subject_kind][value=case]").check()
    form.locator("input[name=subject_number]").fill(case_a.number)
    form.locator("select[name=failing]").select_option(Failing.LATE.value)
    form.locator("select[name=responsible_office]").select_option(str(township.pk))
    form.locator("input[name=responsible_person]").fill("梅园审核 社会救助服务站审核员")
    form.locator("textarea[name=finding]").fill("审核超期十个工作日，经督办后才入户调查")
    form.locator("textarea[name=measure]").fill("约谈并责令限期整改")
    form.locator("input[name=decided_on]").fill(timezone.localdate().isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    record = AccountabilityRecord.objects.exclude(pk__in=known).get()
    assert record.case == case_a and record.region.code == TOWNSHIP
    assert (record.failing, record.responsible_office, record.recorded_by) == (Failing.LATE, township, supervisor)
    page.goto(page.base_url + "/supervision/accountability/")
    in_xuanwu = AccountabilityRecord.objects.filter(
        region__prefix__startswith=Region.objects.get(code=XUANWU).prefix).count()
    rows = page.locator("[data-testid=accountability-row]")
    assert rows.count() == in_xuanwu and rows.filter(has_text=case_a.number).count() == 1
    assert page.locator("nav a[href='/supervision/accountability/']").count() == 1
    sign_out(page)
    assert page.console_errors == []

    # A county approver cannot reach the accountability records: no menu entry, and the page refuses.
    sign_in(page, approver.username)
    assert page.locator("nav a[href='/supervision/accountability/']").count() == 0
    response = page.goto(page.base_url + "/supervision/accountability/")
    assert response is not None and response.status == 403
    assert "无权访问" in page.locator("h1").inner_text()
    assert case_a.number not in page.content()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]

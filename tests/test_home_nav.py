"""The home page answers "what now" for every role (due and overdue work, what waits, unread
notices, each empty one with a next step), and the main menu: at most seven groups, only what the
user may open, an accessible menu button."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.accounts.models import User
from jijinan.cases.models import Case
from jijinan.core.calendar.workdays import end_of_day, local_date
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.models import Deadline
from jijinan.core.nav import MAX_GROUPS
from jijinan.core.permissions import Role
from tests.test_cases_queue import make_case
from tests.world import PASSWORD, PROVINCE, XUANWU, persona

# Session, user, grants, then each panel's count and first items, the subjects' labels and the menu.
QUERY_BUDGET = 16


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _home(user: User) -> str:
    response = _client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str, code: str) -> str:
    """The HTML of one home panel (empty when it is not shown)."""
    found = re.search(r'<article[^>]*data-panel="' + re.escape(code) + r'".*?</article>', page, re.S)
    return found.group(0) if found else ""


def _count(panel: str) -> int:
    found = re.search(r'data-testid="panel-count">(\d+)<', panel)
    assert found, panel
    return int(found.group(1))



def _deadline(case: Case, owner: User, due_at: Any, **fields: Any) -> Deadline:
    now = timezone.now()
    return Deadline.objects.create(
        subject_type="cases.case", subject_id=str(case.pk), kind="cases.stage.review",
        region_code=case.handling_region.code,
        owner_user=owner, started_at=now - timedelta(days=5), unit="hours", limit=1, due_at=due_at,
        counted_from=now - timedelta(days=5), counted_units=1, **fields)


# --- the home page -------------------------------------------------------------------------------------
def test_a_clerk_sees_overdue_and_due_today_work_what_waits_and_unread_notices(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    waiting_before = _count(_panel(_home(clerk), "cases.queue"))
    now = timezone.now()
    late = make_case(owner=clerk, subject_name="李四")
    _deadline(late, clerk, now - timedelta(days=2, hours=1))
    today = make_case(owner=clerk, subject_name="王五")
    _deadline(today, clerk, end_of_day(local_date(now)))
    later = make_case(owner=clerk, subject_name="赵六")
    _deadline(later, clerk, now + timedelta(days=5))
    _deadline(later, clerk, now - timedelta(days=1), met_at=now - timedelta(days=2))  # met: not owed
    _deadline(later, world.xuanwu_staff, now - timedelta(days=1))  # someone else's
    inbox_post(user_ids=[clerk.pk], notice=Notice(kind="tests.notice", title="请补充李四的病历"))

    page = _home(clerk)
    due = _panel(page, "core.due")
    assert _count(due) == 2
    assert "2 项今天到期或已超期，其中 1 项已超期" in due
    # The longest overdue first, each linked to its case, with how late or when due (Beijing time).
    first, second = due.index(f'href="/cases/{late.pk}/"'), due.index(f'href="/cases/{today.pk}/"')
    assert first < due.index("已超期 2 天") < second < due.index("今天 23:59 到期")
    assert f"/cases/{later.pk}/" not in due
    assert 'href="/deadlines/?owner=me"' in due  # a clerk may open the deadlines list

    waiting = _panel(page, "cases.queue")
    assert _count(waiting) == waiting_before + 3
    assert f"{late.number} · 李四" in waiting and "已超期 2 天" in waiting
    assert waiting.index(late.number) < waiting.index(today.number)  # nearest deadline first
    assert 'href="/cases/queue/"' in waiting

    inbox = _panel(page, "core.inbox")
    assert _count(inbox) == 1 and "请补充李四的病历" in inbox and "今天 " in inbox
    assert page.index('data-panel="core.due"') < page.index('data-panel="cases.queue"') < page.index(
        'data-panel="core.inbox"')
    assert "我的权限范围" not in page  # the grants are on the account page now
    assert 'href="/accounts/me/"' in page


def test_empty_panels_say_so_and_suggest_the_next_step(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    page = _home(clerk)
    due = _panel(page, "core.due")
    assert _count(due) == 0 and "今天没有到期的事项。" in due
    assert "可以去受理登记新的求助。" in due and 'href="/cases/new/"' in due
    assert page.count("可以去受理登记新的求助。") == 1  # offered once, not by every empty panel
    inbox = _panel(page, "core.inbox")
    assert _count(inbox) == 0 and "没有未读通知。" in inbox and 'href="/inbox/"' in inbox

    supervisor = persona(world, Role.SUPERVISOR, at=XUANWU)  # may not take up a case
    due = _panel(_home(supervisor), "core.due")
    assert "今天没有到期的事项。" in due and "受理登记" not in due


def test_an_informant_is_offered_to_report(world):  # type: ignore[no-untyped-def]
    informant = persona(world, Role.INFORMANT, at=XUANWU)
    page = _home(informant)
    reports = _panel(page, "cases.own_reports")
    assert _count(reports) == 0 and "您还没有报告过事项。" in reports
    assert 'href="/cases/new/?channel=informant"' in reports
    assert 'href="/cases/new/?channel=informant"' in _panel(page, "core.due")
    assert "受理登记新的求助" not in page  # an informant reports; taking cases up is the staff's
    assert _panel(page, "cases.queue") == ""


def test_a_department_handler_sees_the_office_tasks_listed(world):  # type: ignore[no-untyped-def]
    handler = persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)
    tasks = _panel(_home(handler), "referrals.office_tasks")
    assert _count(tasks) == 2
    for key in ("task", "accepted"):
        task = world.extra["referrals"][key][True]
        assert f'href="/referrals/office/{task.pk}/"' in tasks and task.number in tasks
    assert "无期限" in tasks


def test_leaders_see_the_deflection_flags_and_the_shortcuts(world):  # type: ignore[no-untyped-def]
    leader = persona(world, Role.GOVERNMENT_LEADER, at=XUANWU)
    page = _home(leader)
    flags = _panel(page, "referrals.flags")
    assert _count(flags) == 1 and world.extra["referrals"]["task"][True].number in flags
    assert _panel(page, "cases.queue") == ""
    assert 'data-testid="shortcuts"' in page and "常用功能" in page


def test_a_role_with_nothing_to_do_still_gets_a_useful_page(world):  # type: ignore[no-untyped-def]
    partner = persona(world, Role.PARTNER_STAFF, at=XUANWU)
    page = _home(partner)
    assert "今天没有到期的事项。" in page and "没有未读通知。" in page
    assert 'data-panel="cases.queue"' not in page and 'data-panel="referrals.flags"' not in page


# --- empty queues ---------------------------------------------------------------------------------------
def test_empty_queues_say_so_and_what_to_do(world):  # type: ignore[no-untyped-def]
    clerk = _client(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    page = clerk.get("/cases/queue/", {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的事项。" in page and "清除筛选条件" in page and 'data-testid="case-queue"' not in page

    supervisor = _client(persona(world, Role.SUPERVISOR, at=XUANWU))
    page = supervisor.get("/cases/queue/").content.decode()
    assert "没有等您办理的事项。" in page and "受理登记" not in page.split('id="main"')[1]
    page = supervisor.get("/referrals/flags/", {"q": "JJ-NONE"}).content.decode()
    assert "没有符合条件的推诿预警。" in page and 'data-testid="flags"' not in page

    handler = _client(persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU))
    page = handler.get("/referrals/office/", {"q": "JJ-NONE"}).content.decode()
    assert "没有符合条件的任务。" in page and 'data-testid="office-queue"' not in page

    informant = _client(persona(world, Role.INFORMANT, at=XUANWU))
    page = informant.get("/cases/mine/").content.decode()
    assert "您还没有报告过事项。" in page and 'data-testid="own-reports"' not in page


# --- the main menu --------------------------------------------------------------------------------------
def _groups(page: str) -> dict[str, list[str]]:
    """The menu's groups, each with the addresses of its entries."""
    menu = page[page.index('<nav class="menu"'):page.index("</nav>")]
    found = {}
    for part in menu.split('<li class="menu-group')[1:]:
        code = re.search(r'data-nav-group="(\w+)"', part)
        assert code, part
        found[code.group(1)] = re.findall(r'href="([^"]+)"', part)
    return found


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_has_at_most_seven_groups_and_only_what_the_role_may_open(world, role):  # type: ignore[no-untyped-def]
    user = persona(world, role, at=PROVINCE if role == Role.ADMINISTRATOR else XUANWU)
    client = _client(user)
    page = client.get("/").content.decode()
    groups = _groups(page)
    assert 1 <= len(groups) <= MAX_GROUPS
    assert "/" in groups["workbench"]
    assert "/api/v1/docs" in groups["system"]  # the API docs sit in the system group
    for code, links in groups.items():
        assert links, code
        for link in links:
            response = client.get(link)
            assert response.status_code == 200, (role, link, response.status_code)


def test_the_menu_hides_what_the_role_may_not_open_and_a_lone_entry_is_a_plain_link(world):  # type: ignore[no-untyped-def]
    clerk = _client(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    page = clerk.get("/").content.decode()
    links = [link for links in _groups(page).values() for link in links]
    assert "/cases/new/" in links and "/accounts/staff/" not in links and "/audit/" not in links
    assert clerk.get("/accounts/staff/").status_code == 403
    # 部门协同 holds only 职责清单 for a clerk: a plain link, no drop-down.
    coordination = page[page.index('data-nav-group="coordination"'):]
    coordination = coordination[:coordination.index("</li>")]
    assert "<details" not in coordination and 'href="/referrals/matrix/"' in coordination
    workbench = page[page.index('data-nav-group="workbench"'):]
    assert workbench.index("<details") < workbench.index("<summary>工作台</summary>")
    assert 'aria-current="page"' in workbench[:workbench.index("</details>")]


def test_the_menu_button_is_an_accessible_control(world):  # type: ignore[no-untyped-def]
    page = _home(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    header = page[page.index("<header"):page.index("</header>")]
    assert 'type="checkbox"' not in header
    assert re.search(r'<button type="button" class="menu-button" aria-expanded="false" aria-controls="main-menu"'
                     r'[^>]*>菜单</button>', header)
    assert 'id="main-menu"' in header


def test_the_home_page_reads_in_few_queries_however_much_waits(world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    client = _client(clerk)
    now = timezone.now()
    for n in range(8):  # more than a panel lists: each item costs no query of its own
        case = make_case(owner=clerk, subject_name=f"对象{n}")
        _deadline(case, clerk, now - timedelta(days=1, hours=n))
        inbox_post(user_ids=[clerk.pk], notice=Notice(kind="tests.notice", title=f"通知{n}"))
    with django_assert_max_num_queries(QUERY_BUDGET):
        page = client.get("/").content.decode()
    assert _count(_panel(page, "core.due")) == 8 and page.count('class="panel-when is-late"') >= 10


def test_opening_a_notice_from_home_marks_it_read(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    inbox_post(user_ids=[clerk.pk], notice=Notice(kind="tests.notice", title="请补充病历", url="/cases/queue/"))
    client = _client(clerk)
    inbox = _panel(client.get("/").content.decode(), "core.inbox")
    link = re.search(r'href="(/inbox/\d+/)">请补充病历', inbox)
    assert link and _count(inbox) == 1
    response = client.get(link.group(1))
    assert response.status_code == 302 and response["Location"] == "/cases/queue/"
    assert _count(_panel(client.get("/").content.decode(), "core.inbox")) == 0

"""The deadlines board on a hand-built dataset in 苏州市 (two counties, three townships), drawn at
Tuesday 12 March 2030 10:00 Beijing time, with Saturday 9 March a 调休 workday and a two-working-day
horizon (so the board reaches Thursday 14 March 23:59:59):

===========  ======  ==============================  =============================================
township     unit    due                             on the board
===========  ======  ==============================  =============================================
甲镇          wd      Thu 7 Mar (张三)                  overdue 4 working days (Fri, Sat 调休, Mon, Tue)
甲镇          wd      Fri 8 Mar (张三)                  overdue 3 (Sat 调休, Mon, Tue; Sunday rests)
甲镇          wd      Tue 12 Mar (张三)                 due today
甲镇          hours   04:30 today (李四)                overdue 5 hours
甲镇          wd      Mon 4 Mar, met / cancelled /      not on the board
                      paused and not breached
乙镇          wd      Wed 13 Mar (李四)                 1 working day left
乙镇          cd      Sun 10 Mar (吴中区民政局)          overdue 2 days
乙镇          hours   13:00 today (吴中区民政局)         due today, 3 hours left
丙镇          wd      Thu 14 Mar                        2 working days left
丙镇          wd      Fri 15 Mar                        beyond the horizon: not on the board
丙镇          wd      Fri 1 Mar, breached and paused    overdue 8 working days
===========  ======  ==============================  =============================================

So 甲镇 3 overdue / 1 today / 4; 乙镇 1 / 1 / 3; 吴中区 4 / 2 / 7; 丙镇 1 / 0 / 2; 苏州市 5 / 2 / 9.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation, User
from jijinan.audit.models import AccessLog
from jijinan.core.calendar.models import CalendarDay, CalendarYear
from jijinan.core.calendar.workdays import calendar_cache_invalidate, end_of_day
from jijinan.core.errors import DomainError
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from jijinan.regions.services import regions_load_csv
from jijinan.supervision.board import selectors, views
from tests.world import PASSWORD, World, load_policy_defaults, persona

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 12, 10, 0, tzinfo=SH)
SUZHOU, WUZHONG, XIANGCHENG = "320500000000", "320506000000", "320507000000"
JIA, YI, BING = "320506001000", "320506002000", "320507001000"
REGIONS = f"""code,name,level,parent_code
{SUZHOU},苏州市,city,320000000000
{WUZHONG},吴中区,county,{SUZHOU}
{JIA},甲镇,township,{WUZHONG}
{YI},乙镇,township,{WUZHONG}
{XIANGCHENG},相城区,county,{SUZHOU}
{BING},丙镇,township,{XIANGCHENG}
"""
WD, CD, HOURS = "working_days", "calendar_days", "hours"


def _eod(day: int) -> datetime:
    return end_of_day(date(2030, 3, day))


def _deadline(name: str, region: str, unit: str, due_at: datetime, *, owner: Any = None, office: Any = None,
              kind: str = "referrals.task", **more: Any) -> Deadline:
    return Deadline.objects.create(
        subject_type="tests.board", subject_id=name, kind=kind, region_code=region, owner_user=owner,
        owner_organisation=office, started_at=due_at - timedelta(days=10), unit=unit, limit=5, due_at=due_at,
        counted_from=due_at - timedelta(days=10), counted_units=5, **more)


def extend_module_world(world: World) -> None:
    from jijinan.regions.models import Region

    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")
    year = CalendarYear.objects.create(year=2030)
    CalendarDay.objects.create(year=year, date=date(2030, 3, 9), kind="workday", name="调休上班", source="admin")
    load_policy_defaults(["case_handling.supervision_board_horizon"])
    wuzhong = Organisation.objects.create(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, name="吴中区民政局",
                                          region=Region.objects.get(code=WUZHONG))
    zhang = User.objects.create_user(username="wz_zhang", password=PASSWORD, full_name="张三", organisation=wuzhong)
    li = User.objects.create_user(username="wz_li", password=PASSWORD, full_name="李四", organisation=wuzhong)
    made = {
        "a": _deadline("a", JIA, WD, _eod(7), owner=zhang),
        "b": _deadline("b", JIA, WD, _eod(8), owner=zhang),
        "d": _deadline("d", JIA, WD, _eod(12), owner=zhang),
        "h1": _deadline("h1", JIA, HOURS, NOW - timedelta(hours=5, minutes=30), owner=li),
        "met": _deadline("met", JIA, WD, _eod(4), owner=zhang, met_at=NOW - timedelta(days=1)),
        "cancelled": _deadline("cancelled", JIA, WD, _eod(4), owner=zhang, cancelled_at=NOW - timedelta(days=1)),
        "paused": _deadline("paused", JIA, WD, _eod(4), owner=zhang, paused_at=NOW - timedelta(days=9)),
        "e": _deadline("e", YI, WD, _eod(13), owner=li),
        "c1": _deadline("c1", YI, CD, _eod(10), office=wuzhong, kind="case.crisis_first_contact"),
        "h2": _deadline("h2", YI, HOURS, NOW + timedelta(hours=3), office=wuzhong),
        "f": _deadline("f", BING, WD, _eod(14)),
        "g": _deadline("g", BING, WD, _eod(15)),
        "bp": _deadline("bp", BING, WD, _eod(1), breached_at=_eod(1), paused_at=NOW - timedelta(days=2)),
    }
    world.extra["board"] = {"zhang": zhang, "li": li, "wuzhong": wuzhong, "d": made}


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> Any:
    calendar_cache_invalidate()
    monkeypatch.setattr(views, "_now", lambda: NOW)
    yield
    calendar_cache_invalidate()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _counts(board: selectors.Board) -> dict[str, tuple[int, int, int]]:
    return {g.label: (g.overdue, g.due_today, g.total) for g in board.groups}


def _board(user: Any, region: str = "", group: str = "region", **filters: Any) -> selectors.Board:
    return selectors.board_for_user(user=user, filters=selectors.BoardFilters(region=region, **filters),
                                    group=group, now=NOW)


# --- counts ----------------------------------------------------------------------------------------------


def test_the_city_board_counts_each_county_and_drills_down_to_townships(world, django_assert_max_num_queries):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    board = _board(supervisor, SUZHOU)
    assert board.window.horizon == 2 and board.window.horizon_end == _eod(14)
    assert _counts(board) == {"吴中区": (4, 2, 7), "相城区": (1, 0, 2)}
    assert (board.overdue, board.due_today, board.due_soon, board.total) == (5, 2, 4, 9)
    assert [g.label for g in board.groups] == ["吴中区", "相城区"] and all(g.drill for g in board.groups)
    county = _board(supervisor, WUZHONG)
    assert _counts(county) == {"甲镇": (3, 1, 4), "乙镇": (1, 1, 3)}
    assert [r.name for r in county.breadcrumbs] == ["苏州市", "吴中区"]
    township = _board(supervisor, JIA)
    assert _counts(township) == {"甲镇本级": (3, 1, 4)} and not township.groups[0].drill
    # One grouped aggregate and the names read with the counts (plus the grant and parameter reads).
    with django_assert_max_num_queries(6):
        _board(supervisor, SUZHOU)


def test_counts_by_office_kind_and_person_and_the_filters(world):
    b = world.extra["board"]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    assert _counts(_board(supervisor, WUZHONG, group="person")) == {
        "张三（吴中区民政局）": (2, 1, 3), "李四（吴中区民政局）": (1, 0, 2), "未指定负责人": (1, 1, 2)}
    assert _counts(_board(supervisor, SUZHOU, group="office")) == {
        "吴中区民政局": (1, 1, 2), "未指定负责机构": (4, 1, 7)}
    assert _counts(_board(supervisor, SUZHOU, group="kind")) == {
        "危机个案首次接触": (1, 0, 1), "部门任务办理期限": (4, 2, 8)}
    assert _board(supervisor, SUZHOU, unit=HOURS).total == 2
    assert (_board(supervisor, SUZHOU, overdue_only=True).total, _board(supervisor, SUZHOU, person=b["zhang"].pk).total,
            _board(supervisor, SUZHOU, office=b["wuzhong"].pk).total) == (5, 3, 2)
    assert _board(supervisor, SUZHOU, kind="case.crisis_first_contact").total == 1
    ordered = selectors.sort_groups(_board(supervisor, WUZHONG).groups, selectors.SORT_DUE_TODAY)
    assert [g.label for g in ordered] == ["甲镇", "乙镇"]


def test_how_late_each_row_is_in_its_own_unit(world):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    _region, _window, rows = selectors.board_rows(user=supervisor, filters=selectors.BoardFilters(region=SUZHOU),
                                                  now=NOW)
    late = {r.deadline.subject_id: (r.lateness.text, r.lateness.state, r.lateness.amount)
            for r in selectors.describe_rows(rows, now=NOW)}
    assert late == {
        "bp": ("已超期 8 个工作日", "late", 8),
        "a": ("已超期 4 个工作日", "late", 4),
        "b": ("已超期 3 个工作日", "late", 3),
        "c1": ("已超期 2 天", "late", 2),
        "h1": ("已超期 5 小时", "late", 5),
        "h2": ("还剩 3 小时", "today", 3),
        "d": ("今天到期", "today", 0),
        "e": ("还剩 1 个工作日", "soon", 1),
        "f": ("还剩 2 个工作日", "soon", 2),
    }
    assert [d.subject_id for d in rows] == ["bp", "a", "b", "c1", "h1", "h2", "d", "e", "f"]


def test_a_county_supervisor_sees_nothing_of_another_county_and_a_township_lead_only_the_township(world):
    wuzhong = persona(world, Role.SUPERVISOR, at=WUZHONG)
    board = _board(wuzhong)
    assert board.region.code == WUZHONG and board.total == 7
    _region, _window, rows = selectors.board_rows(user=wuzhong, filters=selectors.BoardFilters(), now=NOW)
    assert {d.region_code for d in rows} == {JIA, YI}
    with pytest.raises(DomainError) as refused:
        _board(wuzhong, XIANGCHENG)
    assert refused.value.field_errors == {"region": ["相城区 不在您的工作范围内"]}
    lead = persona(world, Role.TOWNSHIP_LEAD, at=YI)
    assert _counts(_board(lead)) == {"乙镇本级": (1, 1, 3)}
    with pytest.raises(DomainError) as refused:
        _board(lead, JIA)
    assert refused.value.field_errors == {"region": ["甲镇 不在您的工作范围内"]}
    # The board's API answers the same for them.
    response = _client(wuzhong).get(f"/api/v1/supervision/board?region={XIANGCHENG}")
    assert response.status_code == 400
    body = _client(wuzhong).get("/api/v1/supervision/board/rows?page_size=50").json()
    assert body["count"] == 7 and {r["region_code"] for r in body["items"]} == {JIA, YI}


def test_the_horizon_is_the_policy_parameter_of_the_region(world):
    window = selectors.board_window(region_code=SUZHOU, now=NOW)
    assert (window.horizon, window.horizon_end, window.today_end) == (2, _eod(14), _eod(12))
    # On Friday the two working days run over the weekend to Tuesday.
    friday = selectors.board_window(region_code=SUZHOU, now=datetime(2030, 3, 15, 9, 0, tzinfo=SH))
    assert friday.horizon_end == _eod(19)


# --- pages, API and export ----------------------------------------------------------------------------------


def test_the_board_page_groups_drills_down_and_lists_rows(world, django_assert_max_num_queries):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    response = client.get("/supervision/board/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "督查期限看板 · 苏州市" in page and 'data-count="overdue">5<' in page and 'data-count="total">9<' in page
    assert f"region={WUZHONG}" in page and "吴中区" in page and "相城区" in page
    assert page.count('data-testid="board-row"') == 9 and "已超期 4 个工作日" in page and "已超期 5 小时" in page
    assert "还剩 1 个工作日" in page and "2 个工作日内到期" in page
    county = client.get(f"/supervision/board/?region={WUZHONG}&group=region").content.decode()
    assert "甲镇" in county and "乙镇" in county and "相城区" not in county and 'data-count="total">7<' in county
    people = client.get(f"/supervision/board/?region={WUZHONG}&group=person").content.decode()
    zhang = world.extra["board"]["zhang"]
    assert "张三（吴中区民政局）" in people and f"person={zhang.pk}" in people
    chosen = client.get(f"/supervision/board/?region={WUZHONG}&group=person&person={zhang.pk}").content.decode()
    assert "负责人：张三" in chosen and chosen.count('data-testid="board-row"') == 3
    with django_assert_max_num_queries(25):
        client.get(f"/supervision/board/?region={SUZHOU}&group=kind")
    # A region outside the user's area is refused on its field, the rest kept.
    refused = client.get("/supervision/board/?region=320102000000&unit=hours")
    assert refused.status_code == 400 and 'value="hours" selected' in refused.content.decode()


def test_the_api_gives_counts_by_group_and_rows_with_lateness(world):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    body = client.get(f"/api/v1/supervision/board?group=region&region={WUZHONG}").json()
    assert (body["region"]["name"], body["overdue"], body["due_today"], body["due_soon"], body["total"]) == (
        "吴中区", 4, 2, 3, 7)
    assert {g["label"]: (g["overdue"], g["due_today"], g["total"]) for g in body["groups"]} == {
        "甲镇": (3, 1, 4), "乙镇": (1, 1, 3)}
    assert client.get("/api/v1/supervision/board?group=colour").status_code == 400
    rows = client.get(f"/api/v1/supervision/board/rows?region={SUZHOU}&overdue=true").json()
    assert rows["count"] == 5
    assert [(r["subject_id"], r["lateness"], r["lateness_amount"]) for r in rows["items"]] == [
        ("bp", "已超期 8 个工作日", 8), ("a", "已超期 4 个工作日", 4), ("b", "已超期 3 个工作日", 3),
        ("c1", "已超期 2 天", 2), ("h1", "已超期 5 小时", 5)]


def test_the_export_is_the_rows_as_filtered_and_is_logged(world):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    before = AccessLog.objects.count()
    response = _client(supervisor).get(f"/supervision/board/export/?region={WUZHONG}&overdue=on")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert [(r[1], r[7], r[8]) for r in values] == [
        ("部门任务办理期限", "已超期 4 个工作日", 4), ("部门任务办理期限", "已超期 3 个工作日", 3),
        ("危机个案首次接触", "已超期 2 天", 2), ("部门任务办理期限", "已超期 5 小时", 5)]
    assert values[0][2] == "甲镇" and values[0][3] == "张三"
    log = AccessLog.objects.order_by("-id").first()
    assert AccessLog.objects.count() == before + 1 and log.kind == "export" and log.rows == 4


def test_the_board_draws_its_groups_as_stacked_bars_with_their_table_and_exports_the_figures(world):
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    page = client.get(f"/supervision/board/?region={WUZHONG}").content.decode()
    start = page.index('<figure class="chart"')
    figure = page[start:page.index("</figure>", start)]
    svg = ET.fromstring(figure[figure.index("<svg"):figure.index("</svg>") + 6])  # noqa: S314
    bars = [(r.get("data-series"), r.get("width")) for r in svg.iter("{http://www.w3.org/2000/svg}rect")
            if r.get("class") == "chart-bar"]
    # 甲镇 3 overdue + 1 today, 乙镇 1 + 1, on an axis 0…4 of 180 units.
    assert bars == [("已超期", "135"), ("今天到期", "45"), ("已超期", "45"), ("今天到期", "45")]
    assert "已超期和今天到期（按区划）" in figure
    assert '<th scope="row">甲镇</th><td class="mono">3</td><td class="mono">1</td><td class="mono">4</td>' in figure
    export_url = re.search(r'href="([^"]+)" data-testid="chart-export"', figure)
    assert export_url is not None
    before = AccessLog.objects.count()
    response = client.get(html.unescape(export_url.group(1)))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        ["名称", "已超期（件）", "今天到期（件）", "两项合计（件）"], ["甲镇", 3, 1, 4], ["乙镇", 1, 1, 2]]
    log = AccessLog.objects.order_by("-id").first()
    assert AccessLog.objects.count() == before + 1 and log.subject_type == "core.chart" and log.rows == 2


def test_the_home_panel_counts_overdue_due_today_and_crises(world):
    lead = persona(world, Role.TOWNSHIP_LEAD, at=YI)
    page = _client(lead).get("/").content.decode()
    assert 'data-panel="supervision.board"' in page
    assert "已超期 1 项，今天到期 1 项，危机个案 1 件" in page
    counts = selectors.panel_counts(user=persona(world, Role.COUNTY_APPROVER, at=WUZHONG), now=NOW)
    assert (counts.overdue, counts.due_today, counts.crises) == (4, 2, 1)
    # A window clerk holds no board: no panel, and the board refuses.
    clerk = persona(world, Role.WINDOW_CLERK, at=WUZHONG)
    assert 'data-panel="supervision.board"' not in _client(clerk).get("/").content.decode()
    assert _client(clerk).get("/supervision/board/").status_code == 403


def test_the_board_reads_in_english(world):
    from django.conf import settings

    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/supervision/board/?region={WUZHONG}&group=person").content.decode()
    assert "Deadlines board" in page and "4 working days overdue" in page and "5 hours overdue" in page
    assert "1 working day left" in page and "No person named" in page and "By office" in page
    assert "Overdue and due today, by person" in page and "Stacked bar chart, unit: items." in page
    for chinese in ("督查期限看板", "已超期 4 个工作日", "未指定负责人", "按负责机构", "临期",
                    "堆积条形图", "两项合计"):
        assert chinese not in page, chinese

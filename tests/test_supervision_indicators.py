"""The indicators on a hand-built dataset in 苏州市 (吴中区: 甲镇 20,000 residents and 乙镇 10,000;
相城区: 丙镇), for March 2030 in Beijing time, with Saturday 9 March a 调休 workday.

Cases registered in March: 甲镇 two (window, fast-tracked, 火灾; hotline, 火灾 + 疾病), 乙镇 one
(window, 疾病), 丙镇 one (hotline); one more in 甲镇 in February (outside the period).

Review deadlines met in March, in working days from start to met:

=====  =======================  ========================================  ====
town   started → met            working days counted                      days
=====  =======================  ========================================  ====
甲镇    Fri 8 → Mon 11           Sat 9 (调休), Mon 11                         2
甲镇    Thu 7 → Tue 12 (late)    Fri 8, Sat 9, Mon 11, Tue 12                4
甲镇    Mon 11 → Mon 11          —                                          0
甲镇    Fri 1 → Wed 6            Mon 4, Tue 5, Wed 6 (weekend 2–3 rests)     3
乙镇    Fri 15 → Mon 18          Mon 18 (weekend 16–17 rests)                1
=====  =======================  ========================================  ====

So 甲镇 median 2.5 and P90 4 (nearest rank: the 4th of 4); 乙镇 1 and 1; 吴中区 2 and 4 (the 5th of 5).
The approval deadline of 丙镇 runs Fri 8 → Sun 10: 1 working day (Sat 9, the 调休 day). Emergency aid
in hours: 甲镇 18.5, 乙镇 2 (吴中区 median 10.25). Make-up paperwork in 甲镇: one met, one breached.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client

from jijinan.audit.models import AccessLog
from jijinan.cases.models import AidPayment, Case, CaseAid, CaseCategory, FollowUp
from jijinan.core.calendar.models import CalendarDay, CalendarYear
from jijinan.core.calendar.workdays import calendar_cache_invalidate, calendar_snapshot
from jijinan.core.errors import DomainError
from jijinan.core.extensions.indicators import IndicatorQuery, indicator, indicators
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from jijinan.regions.models import Region
from jijinan.regions.services import regions_load_csv
from jijinan.supervision.indicators import selectors, views
from tests.world import World, persona

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 4, 2, 10, 0, tzinfo=SH)
MARCH_START, MARCH_END = datetime(2030, 3, 1, tzinfo=SH), datetime(2030, 4, 1, tzinfo=SH)
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
WD, HOURS = "working_days", "hours"
REVIEW, APPROVAL, AID_HOURS, MAKEUP = ("cases.stage.review", "cases.stage.approval", "cases.aid_within_limit",
                                       "cases.makeup_paperwork")


def _at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=SH)


def _case(number: str, region: Region, channel: str, *, at: datetime, categories: list[str] | None = None,
          fast: bool = False) -> Case:
    return Case.objects.create(number=number, channel=channel, handling_region=region, subject_kind="unidentified",
                               subject_name="某某", event_at=at, categories=categories or [], description="困难",
                               fast_tracked=fast, created_at=at)


def _deadline(case: Case, kind: str, unit: str, started: datetime, *, met: datetime | None = None,
              breached: datetime | None = None, cancelled: datetime | None = None,
              subject_type: str = "cases.case") -> Deadline:
    return Deadline.objects.create(
        subject_type=subject_type, subject_id=str(case.pk), kind=kind, region_code=case.handling_region.code,
        started_at=started, unit=unit, limit=5, due_at=started + timedelta(days=7), counted_from=started,
        counted_units=5, met_at=met, breached_at=breached, cancelled_at=cancelled)


def extend_module_world(world: World) -> None:
    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")
    Region.objects.filter(code=JIA).update(population=20000)
    Region.objects.filter(code=YI).update(population=10000)
    Region.objects.filter(code=WUZHONG).update(population=30000)
    year = CalendarYear.objects.create(year=2030)
    CalendarDay.objects.create(year=year, date=date(2030, 3, 9), kind="workday", name="调休上班", source="admin")
    fire = CaseCategory.objects.create(code="t_fire", name="测试火灾", name_en="Fire test")
    ill = CaseCategory.objects.create(code="t_ill", name="测试疾病")
    jia, yi, bing = (Region.objects.get(code=c) for c in (JIA, YI, BING))
    c1 = _case("T-1", jia, "window", at=_at(4), categories=[fire.code], fast=True)
    c2 = _case("T-2", jia, "hotline", at=_at(5), categories=[fire.code, ill.code])
    c3 = _case("T-3", yi, "window", at=_at(6), categories=[ill.code])
    c4 = _case("T-4", bing, "hotline", at=_at(31, 23, 59))
    _case("T-0", jia, "window", at=_at(28, month=2))  # February: outside
    _case("T-5", yi, "window", at=_at(1, 0, 0, month=4))  # 1 April 00:00 Beijing: outside
    # Review deadlines (see the table above) and those that do not count.
    _deadline(c1, REVIEW, WD, _at(8), met=_at(11, 15))
    _deadline(c2, REVIEW, WD, _at(7), met=_at(12), breached=_at(12, 0, 0))
    _deadline(c1, REVIEW, WD, _at(11, 9), met=_at(11, 16))
    _deadline(c2, REVIEW, WD, _at(1), met=_at(6))
    _deadline(c3, REVIEW, WD, _at(15), met=_at(18))
    _deadline(c1, REVIEW, WD, _at(20, month=2), met=_at(27, month=2))  # met in February
    _deadline(c1, REVIEW, WD, _at(20), cancelled=_at(21), breached=_at(22))  # cancelled
    _deadline(c1, REVIEW, WD, _at(20))  # still running
    _deadline(c1, REVIEW, WD, _at(20), met=_at(21), subject_type="tests.other")  # not a case's
    _deadline(c4, APPROVAL, WD, _at(8), met=_at(10))
    _deadline(c1, AID_HOURS, HOURS, _at(11, 8), met=_at(12, 2, 30))
    _deadline(c3, AID_HOURS, HOURS, _at(11, 8), met=_at(11, 10))
    _deadline(c1, MAKEUP, WD, _at(4), met=_at(8))
    _deadline(c2, MAKEUP, WD, _at(5), breached=_at(14, 23, 59))
    # Follow-ups, aid and payments.
    for case, score, day in ((c1, 5, 20), (c2, 2, 21), (c3, 4, 22), (c3, 1, 5)):
        FollowUp.objects.create(case=case, method="phone", done_on=date(2030, 3 if day != 5 else 4, day),
                                outcome="已回访", satisfaction=score, need_resolved=True,
                                recorded_at=_at(day, month=3 if day != 5 else 4))
    aid1 = CaseAid.objects.create(case=c1, program="temporary_assistance", amount_fen=150000, method="bank",
                                  given_at=_at(5))
    aid2 = CaseAid.objects.create(case=c2, program="medical_assistance", amount_fen=50000, method="bank",
                                  given_at=_at(6))
    CaseAid.objects.create(case=c3, program="temporary_assistance", amount_fen=20000, method="cash",
                           given_at=_at(28, month=2))
    AidPayment.objects.create(aid=aid1, sequence=1, amount_fen=75000, due_on=date(2030, 3, 10), status="paid",
                              changed_at=_at(10))
    AidPayment.objects.create(aid=aid1, sequence=2, amount_fen=75000, due_on=date(2030, 4, 10))
    AidPayment.objects.create(aid=aid2, sequence=1, amount_fen=50000, due_on=date(2030, 3, 10), status="failed",
                              changed_at=_at(10))


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> Any:
    calendar_cache_invalidate()
    monkeypatch.setattr(views, "_now", lambda: NOW)
    yield
    calendar_cache_invalidate()


def _compute(code: str, prefix: str) -> Any:
    return indicator(code).compute(IndicatorQuery(prefix, MARCH_START, MARCH_END))[""]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- every indicator ------------------------------------------------------------------------------------


def test_intakes_by_channel_and_category(world):  # type: ignore[no-untyped-def]
    jia = _compute("cases.intakes", "320506001")
    assert (jia.value, jia.breakdown) == (2, {"救助热线": 1, "服务窗口（一门受理）": 1})
    assert _compute("cases.intakes", "320506").value == 3
    assert _compute("cases.intakes", "3205").breakdown == {"救助热线": 2, "服务窗口（一门受理）": 2}
    category = _compute("cases.intakes_by_category", "320506")
    assert (category.value, category.breakdown) == (3, {"测试火灾": 2, "测试疾病": 2})
    assert _compute("cases.intakes_by_category", "320507").breakdown == {}


def test_fast_track_share(world):  # type: ignore[no-untyped-def]
    assert _compute("cases.fast_track_share", "320506001").value == 0.5
    assert _compute("cases.fast_track_share", "320506002").value == 0
    assert _compute("cases.fast_track_share", "320506").value == pytest.approx(1 / 3)
    assert _compute("cases.fast_track_share", "320508").value is None


def test_stage_times_in_working_days_across_a_weekend_and_a_makeup_workday(world):  # type: ignore[no-untyped-def]
    jia = _compute("cases.time_to_review", "320506001")
    assert (jia.value, jia.breakdown) == (2.5, {"中位数": 2.5, "P90": 4.0, "件数": 4})
    assert _compute("cases.time_to_review", "320506002").breakdown == {"中位数": 1.0, "P90": 1.0, "件数": 1}
    county = _compute("cases.time_to_review", "320506")
    assert (county.value, county.breakdown) == (2.0, {"中位数": 2.0, "P90": 4.0, "件数": 5})
    assert _compute("cases.time_to_decision", "3205").breakdown == {"中位数": 1.0, "P90": 1.0, "件数": 1}
    assert _compute("cases.time_to_aid", "3205").value is None  # nothing measured
    hours = _compute("cases.time_to_emergency_aid", "320506")
    assert (hours.value, hours.breakdown) == (10.25, {"中位数": 10.25, "P90": 18.5, "件数": 2})


def test_deadlines_on_time_and_makeup_paperwork(world):  # type: ignore[no-untyped-def]
    county = _compute("cases.deadlines_on_time", "320506")
    assert county.value == pytest.approx(7 / 9)
    assert county.breakdown == {"审核期限": 0.8, "急难救助发放时限": 1.0, "补办手续期限": 0.5}
    assert _compute("cases.deadlines_on_time", "320506001").value == pytest.approx(5 / 7)
    assert _compute("cases.deadlines_on_time", "320506002").value == 1.0
    assert _compute("cases.deadlines_on_time", "3205").value == 0.8
    assert _compute("cases.makeup_paperwork_on_time", "320506001").value == 0.5
    assert _compute("cases.makeup_paperwork_on_time", "320506002").value is None


def test_satisfaction_and_money(world):  # type: ignore[no-untyped-def]
    county = _compute("cases.follow_up_satisfaction", "320506")
    assert county.value == pytest.approx(2 / 3)
    assert county.breakdown == {"不满意": 1, "满意": 1, "非常满意": 1}
    granted = _compute("cases.money_granted", "320506")
    assert (granted.value, granted.breakdown) == (200000, {"临时救助": 150000, "医疗救助": 50000})
    paid = _compute("cases.money_paid", "3205")
    assert (paid.value, paid.breakdown) == (75000, {"临时救助": 75000})
    assert _compute("referrals.tasks_returned", "3205").value == 0


def test_grouping_by_child_region_equals_each_region_alone(world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    calendar_snapshot()  # read once and cached: not the indicators' queries
    for prefix, digits, children in (("3205", 6, ("320506", "320507")),
                                     ("320506", 9, ("320506001", "320506002"))):
        for each in indicators():
            with django_assert_max_num_queries(2):  # one grouped query (plus category names)
                grouped = each.compute(IndicatorQuery(prefix, MARCH_START, MARCH_END, group_digits=digits))
            assert set(grouped) <= set(children), each.code
            for child in children:
                alone = each.compute(IndicatorQuery(child, MARCH_START, MARCH_END))[""]
                if child in grouped:
                    assert grouped[child] == alone, (each.code, child)
                else:
                    assert alone.value in (0, None), (each.code, child)


# --- the page, the API, the export, and scoping ---------------------------------------------------------


def test_the_page_lists_every_indicator_with_its_definition_and_drills_down(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    page = _client(supervisor).get("/supervision/indicators/", {"region": WUZHONG, "period": "month",
                                                                "on": "2030-03-15", "indicator": "cases.intakes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="indicator" ') == len(indicators())
    assert "2030-03-01 — 2030-03-31" in html
    assert "期间内登记的急难事项数（按登记时间）" in html
    rows = {r.indicator.code: r for r, _link in page.context["rows"]}
    assert rows["cases.intakes"].shown == "3" and rows["cases.intakes"].shown_per_10k == "1.00"
    assert rows["cases.money_granted"].shown == "2,000.00 元"
    assert rows["cases.money_granted"].shown_per_10k == "666.67 元"
    assert rows["cases.fast_track_share"].shown == "33.3%"
    assert rows["cases.time_to_review"].shown == "2 个工作日"
    assert rows["cases.time_to_emergency_aid"].shown == "10.2 小时"
    drill = {child.name: row.shown for child, row, _link in page.context["drill"]}
    assert drill == {"甲镇": "2", "乙镇": "1"}
    assert f"region={JIA}" in page.context["drill"][0][2]
    quarter = _client(supervisor).get("/supervision/indicators/", {"region": SUZHOU, "period": "quarter",
                                                                   "on": "2030-02-10", "indicator": "cases.intakes"})
    assert quarter.context["period"] == selectors.Period(date(2030, 1, 1), date(2030, 3, 31))
    assert {c.name: r.value.value for c, r, _l in quarter.context["drill"]} == {"吴中区": 4, "相城区": 1}


def test_a_custom_range_and_a_wrong_period_keep_the_input(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    page = _client(supervisor).get("/supervision/indicators/", {"region": WUZHONG, "period": "custom",
                                                                "start": "2030-03-05", "end": "2030-03-31",
                                                                "indicator": "cases.intakes"})
    assert {c.name: r.value.value for c, r, _l in page.context["drill"]} == {"甲镇": 1, "乙镇": 1}
    wrong = _client(supervisor).get("/supervision/indicators/", {"region": WUZHONG, "period": "custom",
                                                                 "start": "2030-03-31", "end": "2030-03-01"})
    assert wrong.status_code == 400 and "结束日期不能早于开始日期" in wrong.content.decode()
    assert 'value="2030-03-31"' in wrong.content.decode()


def test_the_api_answers_values_and_the_drill_down(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    answer = client.get("/api/v1/supervision/indicators",
                        {"region": WUZHONG, "start": "2030-03-01", "end": "2030-03-31"}).json()
    values = {i["code"]: i for i in answer["indicators"]}
    assert answer["region"]["name"] == "吴中区" and answer["start"] == "2030-03-01"
    assert values["cases.intakes"]["value"] == 3 and values["cases.intakes"]["per_10k_residents"] == 1.0
    assert values["cases.time_to_review"]["breakdown"] == {"中位数": 2.0, "P90": 4.0, "件数": 5}
    assert values["cases.deadlines_on_time"]["shown"] == "77.8%"
    drill = client.get("/api/v1/supervision/indicators/cases.time_to_review",
                       {"region": WUZHONG, "start": "2030-03-01", "end": "2030-03-31"}).json()
    assert {c["region"]["name"]: c["value"]["value"] for c in drill["children"]} == {"甲镇": 2.5, "乙镇": 1.0}
    assert client.get("/api/v1/supervision/indicators/cases.nothing").status_code == 404


def test_the_export_holds_both_tables_and_is_logged(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    before = AccessLog.objects.filter(kind="export").count()
    response = _client(supervisor).get("/supervision/indicators/export/", {
        "region": WUZHONG, "period": "month", "on": "2030-03-15", "indicator": "cases.money_granted"})
    assert response.status_code == 200, [str(m) for m in response.wsgi_request._messages]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    found = {(r[0], r[1]): r[2] for r in cells if r and r[1]}
    assert found[("吴中区", "救助金额（实施）")] == "2,000.00 元"
    assert found[("甲镇", "救助金额（实施）")] == "2,000.00 元" and found[("乙镇", "救助金额（实施）")] == "0.00 元"
    assert AccessLog.objects.filter(kind="export").count() == before + 1


def test_a_township_lead_sees_only_their_township(world):  # type: ignore[no-untyped-def]
    lead = persona(world, Role.TOWNSHIP_LEAD, at=JIA)
    client = _client(lead)
    own = client.get("/api/v1/supervision/indicators", {"start": "2030-03-01", "end": "2030-03-31"}).json()
    assert own["region"]["code"] == JIA
    assert {i["code"]: i["value"] for i in own["indicators"]}["cases.intakes"] == 2
    assert client.get("/api/v1/supervision/indicators", {"region": YI}).status_code == 400
    assert client.get("/api/v1/supervision/indicators", {"region": WUZHONG}).status_code == 400
    page = client.get("/supervision/indicators/", {"period": "month", "on": "2030-03-01"})
    assert page.context["region"].code == JIA and page.context["drill"] == []
    refused = client.get("/supervision/indicators/", {"region": YI})
    assert refused.status_code == 400 and "不在您的工作范围内" in refused.content.decode()
    with pytest.raises(DomainError):
        selectors.indicator_region(user=lead, code=BING)


def test_a_county_supervisor_reads_nothing_of_another_county(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=WUZHONG)
    client = _client(supervisor)
    assert client.get("/api/v1/supervision/indicators", {"region": XIANGCHENG}).status_code == 400
    assert client.get("/api/v1/supervision/indicators/cases.intakes", {"region": BING}).status_code == 400
    own = client.get("/api/v1/supervision/indicators/cases.intakes",
                     {"start": "2030-03-01", "end": "2030-03-31"}).json()
    assert own["region"]["code"] == WUZHONG
    assert [c["region"]["code"] for c in own["children"]] == [JIA, YI]


def test_the_page_reads_in_english(world):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=SUZHOU)
    client = _client(supervisor)
    client.cookies["jijinan_language"] = "en"
    page = client.get("/supervision/indicators/", {"region": WUZHONG, "period": "month", "on": "2030-03-15",
                                                   "indicator": "cases.time_to_review"})
    html = page.content.decode()
    assert page.status_code == 200
    for english in ("Indicators", "Time from acceptance to review", "Per 10,000 residents", "Definition",
                    "2,000.00 yuan", "2 working days", "Median: 2 working days", "P90: 4 working days",
                    "Count: 5", "Fire test: 2"):
        assert english in html, english
    assert "受理到审核用时" not in html

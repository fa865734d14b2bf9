"""Administering the working-day calendar: services, CSV import, API, pages, command, demo."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jijinan.accounts.models import User
from jijinan.core.calendar.services import (
    CalendarImportError,
    calendar_day_add,
    calendar_day_correct,
    calendar_day_remove,
    calendar_import_csv,
    calendar_seed,
    calendar_year_confirm,
    demo_calendar,
)
from jijinan.core.calendar.workdays import (
    add_working_days,
    calendar_cache_invalidate,
    calendar_snapshot,
    is_working_day,
    today_local,
    working_days_between,
)
from jijinan.core.demo import DemoContext
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

YEARS = range(2020, 2028)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():  # type: ignore[no-untyped-def]
    # The snapshot outlives a test's rolled-back transaction; start and end every test without it.
    calendar_cache_invalidate()
    yield
    calendar_cache_invalidate()


@pytest.fixture
def seeded(db: None) -> None:
    calendar_seed(years=YEARS)


@pytest.fixture
def township_clerk(db: None) -> User:
    return User.objects.create_user(username="township_clerk", password=PASSWORD)


@pytest.fixture
def clerk_session(client, township_clerk):  # type: ignore[no-untyped-def]
    client.force_login(township_clerk)
    return client


def _calendar_rows() -> list[tuple[object, ...]]:
    """Everything the calendar holds, to assert that a refused action changed nothing."""
    days = list(CalendarDay.objects.order_by("date").values_list(
        "date", "kind", "name", "source", "changed_by_id", "changed_at", "year__year"))
    years = list(CalendarYear.objects.order_by("year").values_list(
        "year", "confirmed", "confirmed_at", "confirmed_by_id", "note"))
    return [*days, *years]


# --- seeding --------------------------------------------------------------------------------------


def test_seed_confirms_the_years_the_package_confirms(seeded):
    years = dict(CalendarYear.objects.values_list("year", "confirmed"))
    assert years == {**dict.fromkeys(range(2020, 2027), True), 2027: False}
    assert CalendarDay.objects.filter(year__year=2027, kind=CalendarDayKind.WORKDAY).count() == 0
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {CalendarDaySource.PACKAGE}
    assert CalendarYear.objects.get(year=2024).confirmed_at is not None


def test_seed_twice_changes_nothing(seeded):
    before = _calendar_rows()
    report = calendar_seed(years=YEARS)
    assert not report.changed
    assert _calendar_rows() == before


def test_seed_by_default_runs_from_2020_to_next_year(db):
    report = calendar_seed()
    assert report.created_years[0] == 2020
    assert report.created_years[-1] == today_local().year + 1


def test_seed_never_overwrites_what_an_administrator_entered(seeded, administrator):
    calendar_day_correct(actor=administrator, day=date(2024, 10, 7), kind="holiday", name="改名")
    calendar_day_remove(actor=administrator, day=date(2024, 10, 4))
    calendar_seed(years=YEARS)
    assert CalendarDay.objects.get(date=date(2024, 10, 7)).name == "改名"
    assert not CalendarDay.objects.filter(date=date(2024, 10, 4)).exists()


# --- days -----------------------------------------------------------------------------------------


def test_adding_the_2027_arrangement_and_confirming_makes_results_final(seeded, administrator):
    start = date(2027, 2, 5)
    before = add_working_days(start, 5)
    assert before.provisional and before.unconfirmed_years == (2027,)
    # A hypothetical arrangement: Spring Festival break 5–11 February, Saturday 13th worked.
    for day in (date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11)):
        calendar_day_add(actor=administrator, day=day, kind="holiday", name="春节")
    calendar_day_add(actor=administrator, day=date(2027, 2, 13), kind="workday",
                     name="调休上班（春节）")
    still = add_working_days(start, 5)
    assert still.provisional  # entered but not yet confirmed
    year = calendar_year_confirm(actor=administrator, year=2027, note="国办发明电〔2026〕X号")
    assert (year.confirmed, year.confirmed_by_id) == (True, administrator.pk)
    after = add_working_days(start, 5)
    assert not after.provisional and after.unconfirmed_years == ()
    # 12th, 13th (make-up Saturday), 15th, 16th, 17th.
    assert after.date == date(2027, 2, 17)
    assert is_working_day(date(2027, 2, 13)).working


def test_a_day_entered_twice_is_refused_and_nothing_changes(seeded, administrator):
    calendar_day_add(actor=administrator, day=date(2027, 2, 20), kind="workday", name="首次录入")
    before = _calendar_rows()
    with pytest.raises(Conflict) as caught:
        calendar_day_add(actor=administrator, day=date(2027, 2, 20), kind="workday", name="再次录入")
    assert caught.value.code == "calendar_day_exists"
    assert caught.value.status == 409
    assert "2027-02-20" in str(caught.value.message)
    assert _calendar_rows() == before
    # A day the package seeded is just as present.
    with pytest.raises(Conflict):
        calendar_day_add(actor=administrator, day=date(2024, 10, 1), kind="holiday")
    assert _calendar_rows() == before


def test_a_day_must_be_an_exception_to_the_week(seeded, administrator):
    before = _calendar_rows()
    with pytest.raises(DomainError) as caught:
        calendar_day_add(actor=administrator, day=date(2027, 3, 6), kind="holiday")  # Saturday
    assert caught.value.code == "calendar_not_an_exception"
    assert "周末" in caught.value.field_errors["kind"][0]
    with pytest.raises(DomainError):
        calendar_day_add(actor=administrator, day=date(2027, 3, 8), kind="workday")  # Monday
    with pytest.raises(DomainError):
        calendar_day_add(actor=administrator, day=date(2027, 3, 8), kind="sometimes")
    with pytest.raises(DomainError):
        calendar_day_add(actor=administrator, day=date(1900, 3, 8), kind="holiday")
    assert _calendar_rows() == before


def test_adding_a_day_in_a_new_year_starts_it_unconfirmed(seeded, administrator):
    calendar_day_add(actor=administrator, day=date(2028, 1, 3), kind="holiday", name="元旦")
    year = CalendarYear.objects.get(year=2028)
    assert not year.confirmed
    assert add_working_days(date(2027, 12, 31), 1).date == date(2028, 1, 4)


def test_correct_and_remove_a_day(seeded, administrator):
    day = calendar_day_correct(actor=administrator, day=date(2024, 10, 7), kind="holiday",
                               name="国庆节")
    assert (day.name, day.source, day.changed_by_id) == ("国庆节", "admin", administrator.pk)
    calendar_day_remove(actor=administrator, day=date(2024, 10, 7))
    assert is_working_day(date(2024, 10, 7)).working  # a Monday again
    with pytest.raises(NotFound):
        calendar_day_remove(actor=administrator, day=date(2024, 10, 7))
    with pytest.raises(NotFound):
        calendar_day_correct(actor=administrator, day=date(2024, 10, 7), kind="holiday")


def test_confirming_twice_or_a_missing_year_is_refused(seeded, administrator):
    with pytest.raises(Conflict):
        calendar_year_confirm(actor=administrator, year=2024)
    with pytest.raises(NotFound):
        calendar_year_confirm(actor=administrator, year=2031)


def test_only_superusers_administer_the_calendar(seeded, township_clerk):
    before = _calendar_rows()
    attempts = [
        lambda: calendar_day_add(actor=township_clerk, day=date(2027, 2, 20), kind="workday"),
        lambda: calendar_day_correct(actor=township_clerk, day=date(2024, 10, 7), kind="holiday"),
        lambda: calendar_day_remove(actor=township_clerk, day=date(2024, 10, 7)),
        lambda: calendar_year_confirm(actor=township_clerk, year=2027),
        lambda: calendar_import_csv(actor=township_clerk, content="date,kind\n2027-02-20,workday\n"),
        lambda: calendar_seed(actor=township_clerk, years=[2019]),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as caught:
            attempt()
        assert caught.value.status == 403
        assert "工作日历" in str(caught.value.message)  # the reason names what was refused
    assert _calendar_rows() == before


# --- the cached snapshot ----------------------------------------------------------------------------


def test_the_snapshot_is_loaded_once_and_reloaded_after_a_change(seeded, administrator):
    calendar_snapshot()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            add_working_days(date(2024, 9, 27), 15)
            working_days_between(date(2024, 1, 1), date(2024, 12, 31))
    assert len(queries) == 0
    assert add_working_days(date(2027, 2, 19), 1).date == date(2027, 2, 22)
    calendar_day_add(actor=administrator, day=date(2027, 2, 20), kind="workday")
    assert add_working_days(date(2027, 2, 19), 1).date == date(2027, 2, 20)


# --- CSV import -------------------------------------------------------------------------------------


def test_csv_import_all_rows(seeded, administrator):
    content = ("日期,类型,名称\n2027-02-09,holiday,春节\n2027-02-10,休息日,春节\n"
               "2027-02-20,调休上班,调休上班（春节）\n").encode()
    report = calendar_import_csv(actor=administrator, content=content)
    assert (report.days_created, report.years) == (3, [2027])
    day = CalendarDay.objects.get(date=date(2027, 2, 20))
    assert (day.kind, day.source, day.changed_by_id) == ("workday", "csv", administrator.pk)
    assert is_working_day(date(2027, 2, 20)).working


def test_csv_in_gbk_from_excel(seeded, administrator):
    content = "date,kind,name\n2027-02-09,holiday,春节\n".encode("gb18030")
    assert calendar_import_csv(actor=administrator, content=content).days_created == 1


@pytest.mark.parametrize(("rows", "errors"), [
    ("2027-02-30,holiday,春节", [(2, "date", "日期格式应为 YYYY-MM-DD")]),
    ("2027/02/09,holiday,春节", [(2, "date", "日期格式应为 YYYY-MM-DD")]),
    ("2027-02-09,vacation,春节", [(2, "kind", "无法识别")]),
    ("2027-02-09,holiday,春节\n2027-02-10,holiday,春节\n2027-02-09,holiday,春节",
     [(4, "date", "与第 2 行日期重复")]),
    ("2024-10-01,holiday,国庆节", [(2, "date", "已在日历中")]),
    ("2027-03-06,holiday,周六", [(2, "kind", "周末")]),
    ("2027-02-09,holiday,春节\nnot-a-date,workday,\n2027-02-10,sometimes,",
     [(3, "date", "YYYY-MM-DD"), (4, "kind", "无法识别")]),
])
def test_csv_errors_name_row_column_and_reason_and_save_nothing(seeded, administrator, rows,
                                                                 errors):
    before = _calendar_rows()
    with pytest.raises(CalendarImportError) as caught:
        calendar_import_csv(actor=administrator, content=f"date,kind,name\n{rows}\n")
    found = [(e.row, e.column, e.message) for e in caught.value.rows]
    assert len(found) == len(errors)
    for (row, column, message), (want_row, want_column, want_text) in zip(found, errors,
                                                                          strict=True):
        assert (row, column) == (want_row, want_column)
        assert want_text in message
    assert caught.value.field_errors[f"rows.{errors[0][0]}.{errors[0][1]}"]
    assert "未导入任何数据" in str(caught.value.message)
    assert _calendar_rows() == before


@pytest.mark.parametrize("content", [b"", b"when,what\n2027-02-09,holiday\n", b"date,kind\n",
                                     b"\xff\xfe\x00\x00bad"])
def test_csv_without_usable_content_is_refused(seeded, administrator, content):
    before = _calendar_rows()
    with pytest.raises(CalendarImportError):
        calendar_import_csv(actor=administrator, content=content)
    assert _calendar_rows() == before


# --- API ----------------------------------------------------------------------------------------------


def test_api_lists_years_and_days(seeded, clerk_session):
    years = clerk_session.get("/api/v1/calendar/years").json()
    assert [(y["year"], y["confirmed"]) for y in years][-2:] == [(2026, True), (2027, False)]
    assert years[0]["workday_count"] > 0
    body = clerk_session.get("/api/v1/calendar/years/2024/days?page_size=5").json()
    assert body["count"] == 27 and len(body["items"]) == 5 and body["pages"] == 6
    assert body["items"][0] == {**body["items"][0], "date": "2024-01-01", "kind": "holiday",
                                "source": "package", "changed_by": None}
    assert clerk_session.get("/api/v1/calendar/years/1999").status_code == 404


def test_api_list_of_days_has_a_fixed_query_count(seeded, admin_session, administrator,
                                                  django_assert_max_num_queries):
    for day in (2, 3, 4):
        calendar_day_correct(actor=administrator, day=date(2024, 10, day), kind="holiday")
    with django_assert_max_num_queries(8):  # 5 for the session
        response = admin_session.get("/api/v1/calendar/years/2024/days?page_size=100")
    changed = {i["date"]: i["changed_by"] for i in response.json()["items"]}
    assert changed["2024-10-02"] == "administrator" and changed["2024-10-01"] is None


def test_api_compute_endpoints(seeded, clerk_session):
    body = clerk_session.get("/api/v1/calendar/add?start=2024-09-27&days=3").json()
    assert body == {"start": "2024-09-27", "days": 3, "date": "2024-10-08",
                    "due_at": "2024-10-08T23:59:59+08:00", "provisional": False,
                    "unconfirmed_years": []}
    body = clerk_session.get("/api/v1/calendar/add?start=2026-12-30&days=2").json()
    assert (body["date"], body["provisional"], body["unconfirmed_years"]) == (
        "2027-01-04", True, [2027])
    body = clerk_session.get("/api/v1/calendar/count?start=2024-10-08&end=2024-09-30").json()
    assert (body["working_days"], body["provisional"]) == (-1, False)
    body = clerk_session.get(
        "/api/v1/calendar/deadline?start=2026-12-28T10:00:00%2B08:00&count=48&unit=hours").json()
    assert (body["due_at"], body["provisional"]) == ("2026-12-30T10:00:00+08:00", False)


@pytest.mark.parametrize("days", ["-1", "3651", "x"])
def test_api_refuses_a_bad_count_naming_the_field(seeded, clerk_session, days):
    response = clerk_session.get(f"/api/v1/calendar/add?start=2024-09-27&days={days}")
    assert response.status_code in {400, 422}
    assert response.json()["field_errors"]["days"]


def test_api_administration(seeded, admin_session):
    response = admin_session.post("/api/v1/calendar/days", {"date": "2027-02-20", "kind": "workday",
                                                            "name": "调休上班"},
                                  content_type="application/json")
    assert response.status_code == 201
    assert response.json()["changed_by"] == "administrator"
    again = admin_session.post("/api/v1/calendar/days", {"date": "2027-02-20", "kind": "workday"},
                               content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "calendar_day_exists"
    assert again.json()["field_errors"] == {"date": ["该日已在日历中"]}
    response = admin_session.put("/api/v1/calendar/days/2027-02-20", {"kind": "workday",
                                                                       "name": "补班"},
                                 content_type="application/json")
    assert response.json()["name"] == "补班"
    assert admin_session.delete("/api/v1/calendar/days/2027-02-20").status_code == 204
    assert admin_session.delete("/api/v1/calendar/days/2027-02-20").status_code == 404
    response = admin_session.post("/api/v1/calendar/years/2027/confirm", {"note": "通知"},
                                  content_type="application/json")
    assert response.json()["confirmed"] is True
    assert response.json()["confirmed_by"] == "administrator"
    assert admin_session.get("/api/v1/calendar/add?start=2026-12-30&days=2").json()[
        "provisional"] is False


def test_api_csv_import_and_its_row_errors(seeded, admin_session):
    bad = SimpleUploadedFile("days.csv", b"date,kind,name\n2027-02-09,holiday,x\n2027-13-01,holiday,\n")
    response = admin_session.post("/api/v1/calendar/import", {"file": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "calendar_import_invalid"
    assert body["field_errors"] == {"rows.3.date": ["日期格式应为 YYYY-MM-DD"]}
    assert not CalendarDay.objects.filter(date=date(2027, 2, 9)).exists()
    good = SimpleUploadedFile("days.csv", b"date,kind,name\n2027-02-09,holiday,x\n")
    response = admin_session.post("/api/v1/calendar/import", {"file": good})
    assert response.json() == {"days_created": 1, "years": [2027]}


def test_api_administration_is_for_superusers(seeded, clerk_session):
    before = _calendar_rows()
    calls = [
        ("post", "/api/v1/calendar/days", {"date": "2027-02-20", "kind": "workday"}),
        ("put", "/api/v1/calendar/days/2024-10-07", {"kind": "holiday"}),
        ("delete", "/api/v1/calendar/days/2024-10-07", None),
        ("post", "/api/v1/calendar/years/2027/confirm", {}),
    ]
    for method, url, payload in calls:
        response = getattr(clerk_session, method)(url, payload, content_type="application/json")
        assert response.status_code == 403, url
        assert "工作日历" in response.json()["message"]
    upload = SimpleUploadedFile("days.csv", b"date,kind\n2027-02-20,workday\n")
    assert clerk_session.post("/api/v1/calendar/import", {"file": upload}).status_code == 403
    assert _calendar_rows() == before


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/v1/calendar/years"), ("get", "/api/v1/calendar/years/2024/days"),
    ("get", "/api/v1/calendar/add?start=2024-09-27&days=3"),
    ("get", "/api/v1/calendar/count?start=2024-09-27&end=2024-10-08"),
    ("post", "/api/v1/calendar/days"), ("post", "/api/v1/calendar/years/2027/confirm"),
    ("delete", "/api/v1/calendar/days/2024-10-07"), ("post", "/api/v1/calendar/import"),
])
def test_api_answers_401_to_anonymous_callers(seeded, client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_openapi_documents_the_calendar(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/calendar/years", "/api/v1/calendar/add", "/api/v1/calendar/count",
            "/api/v1/calendar/import", "/api/v1/calendar/days/{day}"} <= set(paths)
    assert paths["/api/v1/calendar/add"]["get"]["summary"] == "加工作日 / add working days"


# --- pages ----------------------------------------------------------------------------------------------


def _no_inline_script_or_style(html: str) -> None:
    assert [m for m in re.findall(r"<script\b([^>]*)>", html) if "src=" not in m] == []
    assert "style=" not in html


def test_calendar_page_lists_years_and_warns_about_next_year(seeded, admin_session,
                                                             django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # 5 for the session
        response = admin_session.get("/calendar/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2027" in html and "未确认" in html and "已确认" in html
    assert 'data-testid="unconfirmed-banner"' in html
    assert "工作日历" in html  # the nav link for superusers
    _no_inline_script_or_style(html)


def test_no_banner_once_this_year_and_next_are_confirmed(admin_session, administrator):
    this_year = today_local().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.create(year=year, confirmed=True)
    assert 'data-testid="unconfirmed-banner"' not in admin_session.get("/calendar/").content.decode()


def test_year_page_lists_the_exceptions(seeded, admin_session, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # 5 for the session
        response = admin_session.get("/calendar/2024/")
    html = response.content.decode()
    assert "2024-09-29" in html and "2024-10-07" in html and "国庆节" in html
    assert "确认本年度" not in html  # 2024 is confirmed
    html = admin_session.get("/calendar/2027/").content.decode()
    assert "确认本年度" in html and 'data-testid="unconfirmed-banner"' in html
    _no_inline_script_or_style(html)
    assert admin_session.get("/calendar/1999/").status_code == 404


def test_add_a_day_through_the_page_and_be_refused_the_second_time(seeded, admin_session):
    form = {"date": "2027-02-20", "kind": "workday", "name": "调休上班（春节）"}
    response = admin_session.post("/calendar/2027/days/add/", form)
    assert response.status_code == 302 and response["Location"] == "/calendar/2027/"
    before = _calendar_rows()
    response = admin_session.post("/calendar/2027/days/add/", {**form, "name": "又一次"})
    assert response.status_code == 400
    assert "2027-02-20 已在日历中" in response.content.decode() or \
        "该日已在日历中" in response.content.decode()
    assert _calendar_rows() == before


def test_correct_remove_and_confirm_through_the_pages(seeded, admin_session):
    assert admin_session.get("/calendar/days/2024-10-07/").status_code == 200
    response = admin_session.post("/calendar/days/2024-10-07/", {"kind": "holiday",
                                                                 "name": "国庆节"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2024, 10, 7)).name == "国庆节"
    response = admin_session.post("/calendar/days/2024-10-07/", {"kind": "workday", "name": ""})
    assert response.status_code == 400 and "本来就上班" in response.content.decode()
    assert admin_session.post("/calendar/days/2024-10-07/remove/").status_code == 302
    assert not CalendarDay.objects.filter(date=date(2024, 10, 7)).exists()
    assert admin_session.get("/calendar/days/2024-10-07/").status_code == 404
    assert admin_session.get("/calendar/days/not-a-date/").status_code == 404
    response = admin_session.post("/calendar/2027/confirm/", {"note": "通知"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).confirmed


def test_csv_upload_page_shows_row_errors_and_saves_nothing(seeded, admin_session):
    before = _calendar_rows()
    upload = SimpleUploadedFile("days.csv", "date,kind,name\n2027-02-09,休假,春节\n".encode())
    response = admin_session.post("/calendar/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "第 2 行，kind 列" in html and "未导入任何数据" in html
    assert _calendar_rows() == before
    upload = SimpleUploadedFile("days.csv", "date,kind,name\n2027-02-09,休息,春节\n".encode())
    assert admin_session.post("/calendar/import/", {"file": upload}).status_code == 302
    assert CalendarDay.objects.filter(date=date(2027, 2, 9), source="csv").exists()


def test_seed_button_is_repeatable(seeded, admin_session):
    before = _calendar_rows()
    assert admin_session.post("/calendar/seed/").status_code == 302
    assert _calendar_rows() == before


def test_compute_page_shows_a_provisional_warning(seeded, clerk_session):
    response = clerk_session.get("/calendar/compute/?start=2026-12-28&count=10&unit=working_days")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="provisional-warning"' in html and "2027" in html
    assert "2027-01-12 23:59:59" in html
    html = clerk_session.get("/calendar/compute/?start=2024-09-27&count=3&unit=working_days"
                             ).content.decode()
    assert "2024-10-08 23:59:59" in html and 'data-testid="provisional-warning"' not in html
    response = clerk_session.get("/calendar/compute/?start=2024-09-27&count=-1&unit=working_days")
    assert response.status_code == 400
    _no_inline_script_or_style(html)


def test_compute_page_in_english(seeded, clerk_session):
    clerk_session.cookies["jijinan_language"] = "en"
    html = clerk_session.get("/calendar/compute/?start=2026-12-28&count=10&unit=working_days"
                             ).content.decode()
    assert '<html lang="en">' in html


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/calendar/"), ("get", "/calendar/2024/"), ("get", "/calendar/days/2024-10-07/"),
    ("post", "/calendar/2027/days/add/"), ("post", "/calendar/days/2024-10-07/"),
    ("post", "/calendar/days/2024-10-07/remove/"), ("post", "/calendar/2027/confirm/"),
    ("post", "/calendar/import/"), ("post", "/calendar/seed/"),
])
def test_calendar_pages_are_for_superusers(seeded, client, clerk_session, method, url):
    before = _calendar_rows()
    response = getattr(clerk_session, method)(url, {"date": "2027-02-20", "kind": "workday",
                                                    "note": ""})
    assert response.status_code == 403
    assert "工作日历" in response.content.decode()  # the reason
    clerk_session.logout()
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(("/login/", "/accounts/login/"))
    assert _calendar_rows() == before


def test_compute_page_redirects_anonymous_visitors(client):
    response = client.get("/calendar/compute/")
    assert response.status_code == 302 and response["Location"].startswith(("/login/", "/accounts/login/"))


def test_nav_link_only_for_superusers(seeded, clerk_session):
    assert 'href="/calendar/"' not in clerk_session.get("/").content.decode()


def test_provisional_warning_include_renders_for_any_result(seeded):
    from django.template.loader import render_to_string

    result = add_working_days(date(2026, 12, 30), 2)
    html = render_to_string("core/_provisional_warning.html", {"result": result})
    assert "暂定" in html and "2027" in html
    assert render_to_string("core/_provisional_warning.html",
                            {"result": add_working_days(date(2024, 1, 2), 2)}).strip() == ""


# --- command and demo ------------------------------------------------------------------------------


def test_command_seed_import_confirm(db, tmp_path: Path):
    out = io.StringIO()
    call_command("calendar", "seed", "--from", "2024", "--to", "2027", stdout=out)
    assert "days created" in out.getvalue()
    assert CalendarYear.objects.filter(confirmed=True).count() == 3
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind,name\n2027-02-20,workday,调休上班\n", encoding="utf-8")
    call_command("calendar", "import", str(csv_file), stdout=out)
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).source == "csv"
    call_command("calendar", "confirm", "2027", "--note", "通知", stdout=out)
    assert CalendarYear.objects.get(year=2027).confirmed


def test_command_reports_row_errors_and_saves_nothing(db, tmp_path: Path):
    call_command("calendar", "seed", "--from", "2027", "--to", "2027", stdout=io.StringIO())
    before = _calendar_rows()
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("date,kind\n2027-02-20,workday\n2027-02-31,workday\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "import", str(csv_file), stdout=io.StringIO())
    assert "第 3 行，date 列" in str(caught.value)
    with pytest.raises(CommandError):
        call_command("calendar", "import", str(tmp_path / "missing.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("calendar", "confirm", "2031", stdout=io.StringIO())
    assert _calendar_rows() == before


def test_demo_step_seeds_once(db):
    first, second = DemoContext(stdout=io.StringIO()), DemoContext(stdout=io.StringIO())
    demo_calendar(first)
    rows = _calendar_rows()
    demo_calendar(second)
    assert first.counts["calendar days"] > 150
    assert second.counts["calendar days"] == 0
    assert _calendar_rows() == rows


def test_another_process_change_is_seen_through_the_cache_key(seeded, monkeypatch):
    from django.core.cache import cache

    from jijinan.core.calendar import workdays

    assert not is_working_day(date(2024, 10, 7)).working
    # Another process removes the day and bumps the shared key; this process has not been told.
    CalendarDay.objects.filter(date=date(2024, 10, 7)).delete()
    assert not is_working_day(date(2024, 10, 7)).working  # still the snapshot, within the second
    cache.set(workdays._CACHE_KEY, "changed elsewhere")
    monkeypatch.setattr(workdays, "VERSION_CHECK_SECONDS", 0.0)
    assert is_working_day(date(2024, 10, 7)).working


def test_change_handlers_hear_of_committed_changes_only(seeded, administrator, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    from jijinan.core.calendar import workdays

    heard: list[frozenset[int]] = []
    monkeypatch.setattr(workdays, "_change_handlers", [])
    workdays.on_calendar_change(heard.append)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_add(actor=administrator, day=date(2027, 2, 20), kind="workday")
        calendar_year_confirm(actor=administrator, year=2027)
    assert heard == [frozenset({2027}), frozenset({2027})]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        calendar_day_add(actor=administrator, day=date(2027, 2, 20), kind="workday")
    assert len(heard) == 2

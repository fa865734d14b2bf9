"""Work queues: sorting by nearest deadline, overdue and due-today marks, each filter, keyword and
phone search, scope, and the query counts of the pages."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jijinan.accounts.models import Grant, User
from jijinan.cases.choices import Stage
from jijinan.cases.models import REPORTER_PHONE_PURPOSE, Case
from jijinan.cases.queues import selectors as queues
from jijinan.core.calendar.workdays import SHANGHAI
from jijinan.core.errors import DomainError, Forbidden
from jijinan.core.models import Deadline
from jijinan.core.protected import crypto
from jijinan.core.search.textsearch import textsearch_index
from jijinan.regions.models import Region
from jijinan.registry.models import PHONE_PURPOSE, Person

MEIYUAN = "320102002000"  # 梅园新村街道, 玄武区
XINJIEKOU = "320102003000"  # 新街口街道, 玄武区
XUANWU = "320102000000"
NINGHAI = "320106001000"  # 宁海路街道, 鼓楼区 (out of the 玄武区 staff's scope)
PASSWORD = "correct-horse-battery-9"
# 10:00 in Shanghai: the rest of the day is still ahead, so "due today" and "overdue" differ.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)

_numbers = itertools.count(1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def staff(username: str, role: str, at: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    Grant.objects.create(user=user, role=role, region=region(at))
    return user


def make_case(*, at: str = MEIYUAN, stage: str = Stage.ACCEPTED, owner: User | None = None,
              created_at: datetime | None = None, **fields: Any) -> Case:
    n = next(_numbers)
    values: dict[str, Any] = {
        "number": f"JJ-TEST-{n:06d}", "stage": stage, "channel": "window", "handling_region": region(at),
        "subject_kind": "unidentified", "subject_name": f"对象{n}", "event_at": NOW - timedelta(days=1),
        "categories": ["serious_illness"], "needs": ["money"], "description": "测试情况", "owner": owner,
        "created_at": created_at or NOW - timedelta(hours=n),
    }
    values.update(fields)
    return Case.objects.create(**values)


def deadline(case: Case, due_at: datetime, **fields: Any) -> Deadline:
    values: dict[str, Any] = {
        "subject_type": "cases.case", "subject_id": str(case.pk), "kind": "cases.test",
        "region_code": case.handling_region.code, "started_at": NOW - timedelta(days=3), "unit": "hours",
        "limit": 1, "due_at": due_at, "counted_from": NOW - timedelta(days=3), "counted_units": 1,
    }
    values.update(fields)
    return Deadline.objects.create(**values)


def numbers(cases: Any) -> list[str]:
    return [c.number for c in cases]


@pytest.fixture
def clerk(jiangsu: None) -> User:
    return staff("clerk", "window_clerk", MEIYUAN)


@pytest.fixture
def county(jiangsu: None) -> User:
    return staff("county", "county_approver", XUANWU)


# --- sorting and marks ---------------------------------------------------------------------------------
def test_queue_sorts_by_nearest_owed_deadline_then_cases_without_one_by_age(clerk: User) -> None:
    later = make_case()
    deadline(later, NOW + timedelta(days=2))
    soon = make_case()
    deadline(soon, NOW + timedelta(days=5))
    deadline(soon, NOW + timedelta(hours=3))  # its nearest one counts
    met = make_case()
    deadline(met, NOW + timedelta(minutes=5), met_at=NOW)  # met: no longer owed
    deadline(met, NOW + timedelta(days=9))
    old_without = make_case(created_at=NOW - timedelta(days=30))
    new_without = make_case(created_at=NOW - timedelta(days=1))
    cancelled = make_case(created_at=NOW - timedelta(days=20))
    deadline(cancelled, NOW - timedelta(days=1), cancelled_at=NOW - timedelta(days=2))
    rows = list(queues.case_queue_for_user(user=clerk, now=NOW))
    assert numbers(rows) == numbers([soon, later, met, old_without, cancelled, new_without])
    assert rows[0].next_due == NOW + timedelta(hours=3)
    assert rows[3].next_due is None


def test_overdue_and_due_today_marks_in_shanghai_time(clerk: User) -> None:
    breached = make_case()
    deadline(breached, NOW + timedelta(days=1), breached_at=NOW - timedelta(hours=1))  # stamped breached
    run_out = make_case()
    deadline(run_out, NOW - timedelta(minutes=1))  # run out, not yet swept
    today = make_case()
    deadline(today, NOW.replace(hour=23, minute=59, second=59))
    # Due at 01:00 Shanghai tomorrow = 17:00 UTC today: not "today" where the case is handled.
    tomorrow = make_case()
    deadline(tomorrow, NOW.replace(hour=0) + timedelta(days=1, hours=1))
    rows = {c.number: c for c in queues.case_queue_for_user(user=clerk, now=NOW)}
    marks = {n: (c.overdue, queues.due_today(c, now=NOW)) for n, c in rows.items()}
    assert marks == {breached.number: (True, False), run_out.number: (True, False),
                     today.number: (False, True), tomorrow.number: (False, False)}


def test_a_paused_deadline_neither_sorts_nor_marks_overdue(clerk: User) -> None:
    paused = make_case()
    deadline(paused, NOW - timedelta(days=1), paused_at=NOW - timedelta(days=2))
    running = make_case()
    deadline(running, NOW + timedelta(days=1))
    rows = list(queues.case_queue_for_user(user=clerk, now=NOW))
    assert numbers(rows) == numbers([running, paused])
    assert rows[1].next_due is None and rows[1].overdue is False


# --- whose queue ---------------------------------------------------------------------------------------
def test_my_queue_holds_mine_and_unassigned_work_of_my_role_in_my_area(clerk: User) -> None:
    colleague = staff("colleague", "window_clerk", MEIYUAN)
    mine_reviewed = make_case(stage=Stage.REVIEWED, owner=clerk)  # mine at any stage
    unassigned = make_case(stage=Stage.ACCEPTED)
    make_case(stage=Stage.REVIEWED)  # a lead's stage, unassigned
    make_case(stage=Stage.ACCEPTED, owner=colleague)  # someone else's
    make_case(stage=Stage.ACCEPTED, at=XINJIEKOU)  # outside the clerk's township
    make_case(stage=Stage.CLOSED, owner=clerk)  # closed: no longer waiting
    assert set(numbers(queues.case_queue_for_user(user=clerk, now=NOW))) == {
        mine_reviewed.number, unassigned.number}


def test_area_list_is_for_leads_and_holds_every_open_case_of_the_area(clerk: User, county: User) -> None:
    a = make_case(owner=clerk)
    b = make_case(at=XINJIEKOU, stage=Stage.REVIEWED)
    make_case(at=NINGHAI)
    make_case(stage=Stage.CLOSED)
    assert set(numbers(queues.case_queue_for_user(user=county, scope="area", now=NOW))) == {a.number, b.number}
    with pytest.raises(Forbidden):
        queues.case_queue_for_user(user=clerk, scope="area", now=NOW)
    with pytest.raises(DomainError) as bad:
        queues.case_queue_for_user(user=county, scope="everything", now=NOW)
    assert "scope" in bad.value.field_errors


def test_out_of_scope_cases_are_never_listed(jiangsu: None) -> None:
    gulou_clerk = staff("gulou", "window_clerk", NINGHAI)
    theirs = make_case(at=NINGHAI)
    ours_but_owned = make_case(at=MEIYUAN, owner=gulou_clerk)  # owned by them, outside their grant
    deadline(ours_but_owned, NOW - timedelta(days=1))
    assert numbers(queues.case_queue_for_user(user=gulou_clerk, now=NOW)) == [theirs.number]
    lead = staff("lead", "township_lead", NINGHAI)
    assert numbers(queues.case_queue_for_user(user=lead, scope="area", now=NOW)) == [theirs.number]
    assert list(queues.case_overdue_for_user(user=lead, now=NOW)) == []
    ours_but_owned.reporter_phone_index = crypto.blind_index("13900001111", purpose=REPORTER_PHONE_PURPOSE)
    ours_but_owned.save()
    assert list(queues.case_search_for_user(user=gulou_clerk, phone="13900001111", now=NOW)) == []


def test_a_role_without_queue_sees_nothing(jiangsu: None) -> None:
    partner = staff("partner", "partner_staff", MEIYUAN)
    make_case()
    with pytest.raises(Forbidden):
        queues.case_queue_for_user(user=partner, now=NOW)


# --- the overdue list ----------------------------------------------------------------------------------
def test_county_overdue_list_holds_overdue_open_cases_of_its_subtree_longest_overdue_first(county: User) -> None:
    week = make_case(at=XINJIEKOU)
    deadline(week, NOW - timedelta(days=7))
    hour = make_case()
    deadline(hour, NOW - timedelta(hours=1))
    deadline(hour, NOW + timedelta(days=3))
    breached = make_case()
    deadline(breached, NOW - timedelta(days=2), breached_at=NOW - timedelta(days=2))
    on_time = make_case()
    deadline(on_time, NOW + timedelta(hours=1))
    met_late = make_case()
    deadline(met_late, NOW - timedelta(days=3), met_at=NOW - timedelta(days=1), breached_at=NOW - timedelta(days=3))
    closed = make_case(stage=Stage.CLOSED)
    deadline(closed, NOW - timedelta(days=9))
    elsewhere = make_case(at=NINGHAI)
    deadline(elsewhere, NOW - timedelta(days=9))
    # Another subject type's overdue deadline in the county, with an id that is not a number.
    Deadline.objects.create(subject_type="tests.subject", subject_id="xw-open", kind="tests.kind",
                            region_code=MEIYUAN, started_at=NOW - timedelta(days=3), unit="hours", limit=1,
                            due_at=NOW - timedelta(days=8), counted_from=NOW - timedelta(days=3), counted_units=1)
    rows = list(queues.case_overdue_for_user(user=county, filters=queues.QueueFilters(region=XUANWU), now=NOW))
    assert numbers(rows) == numbers([week, breached, hour])
    assert all(r.overdue for r in rows)
    township = queues.QueueFilters(region=MEIYUAN)
    assert numbers(queues.case_overdue_for_user(user=county, filters=township, now=NOW)) == numbers(
        [breached, hour])


# --- filters -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "match", "other"), [
    ("stage", "reviewed", {"stage": Stage.REVIEWED}, {"stage": Stage.ACCEPTED}),
    ("region", XINJIEKOU, {"at": XINJIEKOU}, {"at": MEIYUAN}),
    ("category", "fire", {"categories": ["accident", "fire"]}, {"categories": ["firework_injury"]}),
    ("urgency", "critical", {"urgency": "critical"}, {"urgency": "urgent"}),
    ("channel", "hotline_12345", {"channel": "hotline_12345"}, {"channel": "hotline"}),
    ("crisis", True, {"crisis": True}, {"crisis": False}),
    ("crisis", False, {"crisis": False}, {"crisis": True}),
])
def test_each_filter_keeps_only_matching_cases(county: User, field: str, value: Any, match: dict[str, Any],
                                               other: dict[str, Any]) -> None:
    wanted = make_case(**match)
    make_case(**other)
    found = queues.case_queue_for_user(user=county, scope="area", now=NOW,
                                       filters=queues.QueueFilters(**{field: value}))
    assert numbers(found) == [wanted.number]


@pytest.mark.parametrize(("field", "value"), [
    ("stage", "approved_by_mayor"), ("region", "3201"), ("region", "999999999999"), ("category", "no_such"),
    ("category", '"fire'), ("urgency", "panic"), ("channel", "fax"), ("phone", "12"), ("q", "长" * 61),
])
def test_a_bad_filter_is_refused_by_field(county: User, field: str, value: str) -> None:
    with pytest.raises(DomainError) as refused:
        list(queues.case_queue_for_user(user=county, scope="area", now=NOW,
                                        filters=queues.QueueFilters(**{field: value})))
    assert field in refused.value.field_errors


# --- phone and keyword search --------------------------------------------------------------------------
def test_a_caller_is_found_by_phone_as_reporter_or_as_registered_subject(clerk: User) -> None:
    reporter = make_case(stage=Stage.CLOSED,
                         reporter_phone_index=crypto.blind_index("13812345678", purpose=REPORTER_PHONE_PURPOSE))
    person = Person.objects.create(name="王芳", residence_region=region(MEIYUAN), id_unknown=True,
                                   temporary_number="TMP-320102002000-1", phone="13812345678",
                                   phone_index=crypto.blind_index("13812345678", purpose=PHONE_PURPOSE))
    subject = make_case(person=person, subject_kind="person")
    make_case(reporter_phone_index=crypto.blind_index("13812345679", purpose=REPORTER_PHONE_PURPOSE))
    found = queues.case_search_for_user(user=clerk, phone="+86 138-1234-5678", now=NOW)
    assert set(numbers(found)) == {reporter.number, subject.number}
    # The queue's phone filter finds the open one only.
    assert numbers(queues.case_queue_for_user(user=clerk, now=NOW,
                                              filters=queues.QueueFilters(phone="13812345678"))) == [subject.number]


def test_search_needs_keywords_or_a_phone(clerk: User) -> None:
    with pytest.raises(DomainError) as refused:
        queues.case_search_for_user(user=clerk, q="  ", phone="", now=NOW)
    assert "q" in refused.value.field_errors


def _indexed(case: Case, text: str) -> Case:
    textsearch_index(subject_type="cases.case", subject_id=case.pk, text=text,
                                region_code=case.handling_region.code)
    return case


def test_two_character_chinese_terms_are_found(clerk: User) -> None:
    fire = _indexed(make_case(subject_name="张伟", description="昨夜家中发生火灾，房屋烧毁"),
                    "JJ-1 张伟 李四 昨夜家中发生火灾，房屋烧毁")
    illness = _indexed(make_case(subject_name="张伟", description="突发重病住院"), "JJ-2 张伟 突发重病住院")
    _indexed(make_case(subject_name="王芳", description="火车站附近流浪"), "JJ-3 王芳 火车站附近流浪")
    _indexed(make_case(subject_name="张三", description="家庭变故"), "JJ-4 张三 伟大 家庭变故")
    assert set(numbers(queues.case_search_for_user(user=clerk, q="张伟", now=NOW))) == {
        fire.number, illness.number}
    assert numbers(queues.case_search_for_user(user=clerk, q="火灾", now=NOW)) == [fire.number]
    assert numbers(queues.case_search_for_user(user=clerk, q="张伟 火灾", now=NOW)) == [fire.number]
    assert numbers(queues.case_queue_for_user(user=clerk, now=NOW,
                                              filters=queues.QueueFilters(q="重病"))) == [illness.number]


def test_keyword_search_stays_inside_the_scope(jiangsu: None) -> None:
    gulou_clerk = staff("gulou", "window_clerk", NINGHAI)
    _indexed(make_case(at=MEIYUAN), "张伟 火灾")
    theirs = _indexed(make_case(at=NINGHAI), "张伟 火灾")
    assert numbers(queues.case_search_for_user(user=gulou_clerk, q="火灾", now=NOW)) == [theirs.number]


# --- pages ---------------------------------------------------------------------------------------------
def _open_cases_with_deadlines(n: int, *, overdue: bool, owner: User | None = None) -> None:
    for i in range(n):
        case = make_case(at=[MEIYUAN, XINJIEKOU][i % 2] if owner is None else MEIYUAN, owner=owner)
        deadline(case, timezone.now() + timedelta(hours=(-1 if overdue else 1) * (i + 1)))


@pytest.mark.parametrize("n", [5, 50])
def test_queue_page_uses_a_constant_number_of_queries(client: Any, clerk: User, n: int,
                                                      django_assert_max_num_queries: Any) -> None:
    _open_cases_with_deadlines(n, overdue=False, owner=clerk)
    client.force_login(clerk)
    with django_assert_max_num_queries(12):
        response = client.get("/cases/queue/?category=serious_illness")
    assert response.status_code == 200
    assert response.content.decode().count("data-case=") == n


@pytest.mark.parametrize("n", [5, 50])
def test_overdue_page_uses_a_constant_number_of_queries(client: Any, county: User, n: int,
                                                        django_assert_max_num_queries: Any) -> None:
    _open_cases_with_deadlines(n, overdue=True)
    client.force_login(county)
    # The region filter's picker checks the choice in the user's area and shows its path: two queries.
    with django_assert_max_num_queries(14):
        response = client.get(f"/cases/overdue/?region={XUANWU}")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-case=") == n and page.count('data-mark="overdue"') == n


def test_queue_page_marks_rows_and_offers_the_area_list_to_leads(client: Any, clerk: User, county: User) -> None:
    late = make_case(owner=clerk)
    deadline(late, timezone.now() - timedelta(minutes=5))
    client.force_login(clerk)
    page = client.get("/cases/queue/").content.decode()
    assert late.number in page and 'data-mark="overdue"' in page and "scope=area" not in page
    assert client.get("/cases/queue/?scope=area").content.decode().count("data-case=") == 1  # mine only
    client.force_login(county)
    area = client.get("/cases/queue/?scope=area").content.decode()
    assert "scope=area" in area and late.number in area


def test_queue_page_refuses_a_bad_filter_with_400(client: Any, clerk: User) -> None:
    client.force_login(clerk)
    response = client.get("/cases/queue/?region=999999999999")
    assert response.status_code == 400
    assert "所选区划不存在" in response.content.decode()

"""The deadline engine: real dates, pause/resume/extend/cancel/meet, refusals that change nothing,
the breach sweep (exactly once, with its outbox event), recomputation when a year is confirmed,
the API and the pages. Permissions per role come from tests/test_permission_matrix.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jijinan.accounts.models import User
from jijinan.audit.models import AuditEvent
from jijinan.core.calendar.services import calendar_day_add, calendar_seed, calendar_year_confirm
from jijinan.core.calendar.workdays import (
    CalendarSnapshot,
    DeadlineUnit,
    calendar_cache_invalidate,
    calendar_change_handlers,
    package_year,
)
from jijinan.core.deadlines import services
from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.deadlines.permissions import DEADLINE_RULES
from jijinan.core.deadlines.rules import DeadlineClock
from jijinan.core.deadlines.selectors import deadline_list_for_user, deadlines_for_subject
from jijinan.core.errors import Conflict, DomainError, Forbidden
from jijinan.core.jobs.queue import Worker, registered_periodic
from jijinan.core.models import DEADLINE_UNITS, Deadline, DeadlineStatus, OutboxMessage
from jijinan.core.permissions import Role, rule_for
from tests.world import XUANWU, World, persona

SHANGHAI = ZoneInfo("Asia/Shanghai")
XW_VILLAGE, GL_VILLAGE = "320102002001", "320106001001"
KIND = "tests.review"

deadline_kind_register(DeadlineKind(KIND, "测试审核期限", DeadlineUnit.WORKING_DAYS))
deadline_kind_register(DeadlineKind("tests.crisis", "测试危机干预", DeadlineUnit.HOURS,
                                    subject_types=frozenset({"tests.subject"}),
                                    subject_url=lambda pk: f"/tests/subjects/{pk}/"))


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():  # type: ignore[no-untyped-def]
    calendar_cache_invalidate()
    yield
    calendar_cache_invalidate()


def extend_module_world(world: World) -> None:
    calendar_seed(years=range(2020, 2028))  # 2020–2026 confirmed, 2027 not


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pin the services' clock: ``clock.now = …``."""

    class Clock:
        now = timezone.now()

    monkeypatch.setattr(services, "_now", lambda: Clock.now)
    return Clock


def start(world: World, **overrides: Any) -> Deadline:
    values: dict[str, Any] = {
        "actor": None, "subject_type": "tests.subject", "subject_id": "case-1",
        "region_code": XW_VILLAGE, "kind": KIND, "start": sh(2024, 9, 27, 9, 0), "limit": 5,
        "owner_user": world.xuanwu_staff, "parameters": {"review_days": "v3"}}
    values.update(overrides)
    return services.deadline_start(**values)


def events(d: Deadline, type: str | None = None) -> list[OutboxMessage]:
    found = OutboxMessage.objects.filter(subject_type="core.deadline", subject_id=str(d.pk))
    return list(found.filter(type=type) if type else found.order_by("id"))


@contextmanager
def nothing_changes(d: Deadline) -> Iterator[None]:
    """The row, its outbox messages and the audit trail are exactly as before."""
    row = Deadline.objects.filter(pk=d.pk).values().get()
    counts = (OutboxMessage.objects.count(), AuditEvent.objects.count())
    yield
    assert Deadline.objects.filter(pk=d.pk).values().get() == row
    assert (OutboxMessage.objects.count(), AuditEvent.objects.count()) == counts


def fresh(d: Deadline) -> Deadline:
    return Deadline.objects.get(pk=d.pk)


# --- real dates -----------------------------------------------------------------------------------


def test_five_working_days_across_national_day_2024(world):
    # Friday 27 September 2024 + 5: Sunday 29th (调休 make-up day) and Monday 30th, then the
    # holiday 1–7 October, then Tuesday 8th, Wednesday 9th, Thursday 10th.
    d = start(world, limit=5)
    assert d.due_at == sh(2024, 10, 10, 23, 59, 59)
    assert fresh(d).due_at == sh(2024, 10, 10, 23, 59, 59)
    assert not d.provisional and d.unconfirmed_years == []
    assert d.status == DeadlineStatus.OPEN and d.version == 1
    assert d.parameters == {"review_days": "v3"}
    # The seventh working day is the make-up Saturday, 12 October.
    assert start(world, subject_id="case-2", limit=7).due_at == sh(2024, 10, 12, 23, 59, 59)
    [started] = events(d)
    assert started.type == "deadline.started"
    assert started.payload["due_at"] == sh(2024, 10, 10, 23, 59, 59).isoformat()
    assert started.payload["version"] == 1 and started.payload["subject_id"] == "case-1"
    audit = AuditEvent.objects.get(action="deadlines.start", subject_id=str(d.pk))
    assert audit.subject_type == "core.deadline" and audit.region_code == XW_VILLAGE


def test_hours_run_day_and_night(world):
    late = start(world, unit=DeadlineUnit.HOURS, limit=3, start=sh(2024, 9, 30, 23, 0))
    assert late.due_at == sh(2024, 10, 1, 2, 0)
    # 48 hours straight through the National Day holiday; a UTC start is the same instant.
    utc = datetime(2024, 9, 30, 14, 30, tzinfo=ZoneInfo("UTC"))
    crisis = start(world, subject_id="c2", kind="tests.crisis", unit=None, limit=48, start=utc)
    assert crisis.unit == DeadlineUnit.HOURS  # the kind's default unit
    assert crisis.due_at == sh(2024, 10, 2, 22, 30) and not crisis.provisional


def test_calendar_days_ignore_holidays(world):
    d = start(world, unit=DeadlineUnit.CALENDAR_DAYS, limit=7, start=sh(2024, 9, 27, 16, 0))
    assert d.due_at == sh(2024, 10, 4, 23, 59, 59)
    assert start(world, subject_id="c2", unit=DeadlineUnit.CALENDAR_DAYS, limit=0,
                 start=date(2024, 10, 1)).due_at == sh(2024, 10, 1, 23, 59, 59)


def test_the_model_knows_every_calendar_unit():
    assert set(DEADLINE_UNITS) == set(DeadlineUnit.values)


# --- provisional, and recomputed when the year is confirmed ----------------------------------------


def test_a_deadline_in_an_unconfirmed_year_is_recomputed_when_the_year_is_confirmed(
        world, django_capture_on_commit_callbacks):
    # 2027 holds only the statutory holidays: 除夕 Friday 5 February and Monday 8 February.
    spring = start(world, subject_id="spring", start=sh(2027, 1, 29, 10, 0), limit=10)
    assert spring.due_at == sh(2027, 2, 16, 23, 59, 59)
    assert spring.provisional and spring.unconfirmed_years == [2027]
    across = start(world, subject_id="new-year", start=sh(2026, 12, 30, 10, 0), limit=3)
    assert across.due_at == sh(2027, 1, 5, 23, 59, 59) and across.provisional
    hours = start(world, subject_id="hours", unit=DeadlineUnit.HOURS, limit=24,
                  start=sh(2027, 2, 4, 8, 0))
    assert not hours.provisional
    done = start(world, subject_id="done", start=sh(2027, 1, 29, 10, 0), limit=10)
    services.deadline_meet(actor=None, deadline=done)
    assert services.deadline_calendar_changed in calendar_change_handlers()

    # The administrator enters the (here invented) arrangement and confirms the year.
    with django_capture_on_commit_callbacks(execute=True):
        for day in (date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11)):
            calendar_day_add(actor=None, day=day, kind="holiday", name="春节")
        for day in (date(2027, 1, 31), date(2027, 2, 20)):
            calendar_day_add(actor=None, day=day, kind="workday", name="调休上班（春节）")
        calendar_year_confirm(actor=None, year=2027, note="国办发明电〔2026〕")
    Worker(run_periodic=False).drain()

    # Sunday 31 January now counts, 9–11 February do not: the tenth working day is 18 February.
    spring = fresh(spring)
    assert spring.due_at == sh(2027, 2, 18, 23, 59, 59)
    assert not spring.provisional and spring.unconfirmed_years == []
    assert spring.version == 2
    across = fresh(across)
    assert across.due_at == sh(2027, 1, 5, 23, 59, 59) and not across.provisional
    # One audit event and one message per deadline that changed (six jobs ran, one changed them).
    for d in (spring, across):
        assert len(events(d, "deadline.recomputed")) == 1
        assert AuditEvent.objects.filter(action="deadlines.recompute", subject_id=str(d.pk)).count() == 1
    recomputed = events(spring, "deadline.recomputed")[0]
    assert recomputed.payload["due_at"] == sh(2027, 2, 18, 23, 59, 59).isoformat()
    assert recomputed.payload["provisional"] is False
    for untouched in (hours, done):
        assert fresh(untouched).version == untouched.version + (1 if untouched is done else 0)
        assert events(untouched, "deadline.recomputed") == []


def test_recomputing_without_a_change_writes_nothing(world):
    d = start(world)
    before = OutboxMessage.objects.count()
    assert services.deadline_recompute(years=[2024]) == 0
    assert fresh(d).version == 1 and OutboxMessage.objects.count() == before


# --- pause and resume ------------------------------------------------------------------------------


def test_pause_and_resume_in_hours_push_the_deadline_by_the_paused_time(world, clock):
    clock.now = sh(2024, 9, 30, 9, 0)
    d = start(world, unit=DeadlineUnit.HOURS, limit=48, start=clock.now)
    clock.now = sh(2024, 9, 30, 19, 0)
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="等待家属到场")
    assert d.status == DeadlineStatus.PAUSED and d.paused_at == clock.now and d.version == 2
    assert d.due_at == sh(2024, 10, 2, 9, 0)  # unchanged while paused
    clock.now = sh(2024, 9, 30, 22, 30)
    d = services.deadline_resume(actor=None, deadline=d, version=2)
    assert d.due_at == sh(2024, 10, 2, 12, 30) and d.paused_seconds == 3.5 * 3600
    assert d.status == DeadlineStatus.OPEN and d.pause_reason == "" and d.version == 3
    assert [e.type for e in events(d)] == ["deadline.started", "deadline.paused", "deadline.resumed"]
    assert events(d, "deadline.paused")[0].payload["reason"] == "等待家属到场"


def test_pause_and_resume_in_calendar_days_push_by_the_paused_wall_time(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, unit=DeadlineUnit.CALENDAR_DAYS, limit=7, start=clock.now)  # 4 Oct 23:59:59
    clock.now = sh(2024, 9, 28, 12, 0)
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="公示期异议")
    clock.now = sh(2024, 9, 30, 18, 0)
    d = services.deadline_resume(actor=None, deadline=d, version=2)
    assert d.due_at == sh(2024, 10, 7, 5, 59, 59)  # + 2 days 6 hours


def test_resuming_working_days_recounts_what_was_left_from_the_resume_day(world, clock):
    # Due Thursday 10 October. Paused Monday 30 September: three working days were left
    # (8, 9, 10 October; the pause day counts as used). Resumed Tuesday 8 October: those three
    # count again from the 8th, which itself does not count: 9, 10, 11 → Friday 11 October.
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, limit=5, start=clock.now)
    clock.now = sh(2024, 9, 30, 10, 0)
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="申请人补充材料")
    clock.now = sh(2024, 10, 8, 15, 0)
    d = services.deadline_resume(actor=None, deadline=d, version=2)
    assert d.due_at == sh(2024, 10, 11, 23, 59, 59)
    assert d.counted_from == clock.now and d.counted_units == 3
    assert d.paused_seconds == int((sh(2024, 10, 8, 15, 0) - sh(2024, 9, 30, 10, 0)).total_seconds())


def test_a_pause_within_one_day_does_not_move_a_working_day_deadline(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, limit=5, start=clock.now)
    clock.now = sh(2024, 10, 8, 9, 0)
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="核实异议")
    clock.now = sh(2024, 10, 8, 17, 0)
    d = services.deadline_resume(actor=None, deadline=d, version=2)
    assert d.due_at == sh(2024, 10, 10, 23, 59, 59)


def test_pause_refusals_change_nothing(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, start=clock.now)
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_resume(actor=None, deadline=d, version=1)
    assert caught.value.code == "deadline_open" and "未暂停" in str(caught.value.message)
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_pause(actor=None, deadline=d, version=1, reason="   ")
    assert "reason" in caught.value.field_errors
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="异议")
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_pause(actor=None, deadline=d, version=2, reason="再次暂停")
    assert caught.value.code == "deadline_paused" and "已暂停" in str(caught.value.message)
    # A deadline whose time has run out cannot be paused, even before the sweep marks it.
    late = start(world, subject_id="late", start=sh(2024, 9, 1, 9, 0), limit=1)
    clock.now = sh(2024, 9, 27, 9, 0)
    with nothing_changes(late), pytest.raises(DomainError) as caught:
        services.deadline_pause(actor=None, deadline=late, version=1, reason="异议")
    assert "due_at" in caught.value.field_errors and "已到期" in str(caught.value.message)


# --- extend, cancel, meet --------------------------------------------------------------------------


def test_extend_moves_the_deadline_with_a_recorded_reason(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    reviewer = persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)
    d = start(world, start=clock.now)
    d = services.deadline_extend(actor=reviewer, deadline=d, version=1, extra=2,
                                 reason="等待医院出具诊断证明")
    # Thursday 10 October + 2 working days: Friday 11th, then the make-up Saturday 12th.
    assert d.due_at == sh(2024, 10, 12, 23, 59, 59) and d.version == 2
    assert d.limit == 5  # the limit as set; the extension is recorded beside it
    [extension] = d.extensions
    assert extension["by"] == reviewer.pk and extension["extra"] == 2
    assert extension["reason"] == "等待医院出具诊断证明" and extension["by_name"]
    message = events(d, "deadline.extended")[0]
    assert message.payload["extra"] == 2 and message.payload["version"] == 2
    audit = AuditEvent.objects.get(action="deadlines.extend", subject_id=str(d.pk))
    assert audit.actor_id == reviewer.pk and audit.note == "等待医院出具诊断证明"
    assert audit.changes["due_at"][1] == sh(2024, 10, 12, 23, 59, 59).astimezone(ZoneInfo("UTC")).isoformat()


@pytest.mark.parametrize(("extra", "field", "text"), [
    (0, "extra", "至少为 1"), (-3, "extra", "至少为 1"), (10_000, "extra", "不能超过"),
    (True, "extra", "须为整数"), ("2", "extra", "须为整数"), (2.5, "extra", "须为整数")])
def test_bad_extensions_are_refused_naming_the_field(world, extra, field, text):
    d = start(world, start=timezone.now())
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_extend(actor=None, deadline=d, version=1, extra=extra, reason="原因")
    assert any(text in m for m in caught.value.field_errors[field])


def test_an_extension_needs_a_reason_and_cannot_pass_the_maximum(world):
    d = start(world, start=timezone.now(), limit=3600)
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_extend(actor=None, deadline=d, version=1, extra=2, reason="")
    assert caught.value.field_errors["reason"] == ["请填写原因"]
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_extend(actor=None, deadline=d, version=1, extra=100, reason="太长")
    assert "延期后的期限不能超过" in caught.value.field_errors["extra"][0]


def test_a_stale_version_is_refused_with_409_and_changes_nothing(world):
    d = start(world, start=timezone.now())
    services.deadline_extend(actor=None, deadline=d, version=1, extra=1, reason="第一次")
    for act in (
        lambda: services.deadline_extend(actor=None, deadline=d, version=1, extra=1, reason="第二次"),
        lambda: services.deadline_pause(actor=None, deadline=d, version=1, reason="异议"),
        lambda: services.deadline_cancel(actor=None, deadline=d, version=1, reason="撤回"),
    ):
        with nothing_changes(d), pytest.raises(Conflict) as caught:
            act()
        assert caught.value.status == 409 and caught.value.code == "stale_version"
        assert "version" in caught.value.field_errors


def test_cancel_needs_a_reason_and_a_cancelled_deadline_cannot_be_met(world):
    d = start(world, start=timezone.now())
    with nothing_changes(d), pytest.raises(DomainError):
        services.deadline_cancel(actor=None, deadline=d, version=1, reason=" ")
    d = services.deadline_cancel(actor=None, deadline=d, version=1, reason="申请人撤回申请")
    assert d.status == DeadlineStatus.CANCELLED and d.cancel_reason == "申请人撤回申请"
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_meet(actor=None, deadline=d)
    assert caught.value.code == "deadline_cancelled" and "已取消" in str(caught.value.message)
    with nothing_changes(d), pytest.raises(DomainError):
        services.deadline_cancel(actor=None, deadline=d, version=2, reason="再次取消")
    with nothing_changes(d), pytest.raises(DomainError):
        services.deadline_extend(actor=None, deadline=d, version=2, extra=1, reason="延期")


def test_meeting_a_paused_deadline_ends_the_pause(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, unit=DeadlineUnit.HOURS, limit=48, start=clock.now)
    clock.now = sh(2024, 9, 27, 10, 0)
    d = services.deadline_pause(actor=None, deadline=d, version=1, reason="异议")
    clock.now = sh(2024, 9, 27, 12, 0)
    d = services.deadline_meet(actor=None, deadline=d)
    assert d.status == DeadlineStatus.MET and d.paused_at is None and d.paused_seconds == 7200
    assert d.breached_at is None and not d.met_late
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_meet(actor=None, deadline=d)
    assert caught.value.code == "deadline_met"


def test_late_work_records_both_the_breach_and_the_completion(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, unit=DeadlineUnit.HOURS, limit=2, start=clock.now)
    clock.now = sh(2024, 9, 27, 15, 0)  # past due, and no sweep has run yet
    d = services.deadline_meet(actor=None, deadline=d)
    assert d.breached_at == sh(2024, 9, 27, 11, 0) and d.met_at == clock.now
    assert d.status == DeadlineStatus.MET and d.met_late
    assert [e.type for e in events(d)] == ["deadline.started", "deadline.breached", "deadline.met"]
    assert services.deadline_sweep(now=clock.now) == 0
    assert len(events(d, "deadline.breached")) == 1


def test_a_breached_deadline_can_be_met_later(world, clock):
    clock.now = sh(2024, 9, 27, 9, 0)
    d = start(world, unit=DeadlineUnit.HOURS, limit=2, start=clock.now)
    assert services.deadline_sweep(now=sh(2024, 9, 27, 11, 0, 30)) == 1
    d = fresh(d)
    assert d.status == DeadlineStatus.BREACHED and d.version == 2
    with nothing_changes(d), pytest.raises(DomainError) as caught:
        services.deadline_extend(actor=None, deadline=d, version=2, extra=1, reason="补救")
    assert caught.value.code == "deadline_breached"
    clock.now = sh(2024, 9, 28, 9, 0)
    d = services.deadline_meet(actor=None, deadline=d)
    assert d.breached_at == sh(2024, 9, 27, 11, 0) and d.met_at == clock.now and d.met_late
    assert len(events(d, "deadline.breached")) == 1


@pytest.mark.parametrize(("field", "overrides"), [
    ("kind", {"kind": "tests.unknown"}), ("subject_type", {"subject_type": "no dot"}),
    ("subject_type", {"kind": "tests.crisis", "subject_type": "tests.other"}),
    ("subject_id", {"subject_id": ""}), ("region_code", {"region_code": "3201"}),
    ("owner_user", {"owner_user": None}), ("limit", {"limit": -1}), ("limit", {"limit": 99_999}),
    ("unit", {"unit": "weeks"}), ("parameters", {"parameters": ["v1"]}),
    ("parameters", {"parameters": {"when": date(2024, 1, 1)}})])
def test_starting_with_bad_input_names_the_field_and_writes_nothing(world, field, overrides):
    before = (Deadline.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as caught:
        start(world, **overrides)
    assert field in caught.value.field_errors
    assert (Deadline.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count()) == before


def test_people_need_the_manage_action_in_the_deadlines_region(world):
    d = start(world, start=timezone.now())
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    elsewhere = persona(world, Role.TOWNSHIP_LEAD, at="320106000000")
    for actor in (clerk, elsewhere):
        with nothing_changes(d), pytest.raises(Forbidden):
            services.deadline_extend(actor=actor, deadline=d, version=1, extra=1, reason="延期")
    # A higher app's service that already decided (an objection recorded by a clerk) says so.
    paused = services.deadline_pause(actor=clerk, deadline=d, version=1, reason="异议",
                                     authorised=True)
    assert paused.status == DeadlineStatus.PAUSED


# --- the sweep -------------------------------------------------------------------------------------


def _overdue_world(world: World, n: int, now: datetime) -> list[Deadline]:
    run_out = [start(world, subject_id=f"late-{i}", unit=DeadlineUnit.HOURS, limit=1,
                     start=now - timedelta(hours=3 + i)) for i in range(n)]
    start(world, subject_id="running", unit=DeadlineUnit.HOURS, limit=10, start=now)
    paused = start(world, subject_id="paused", unit=DeadlineUnit.HOURS, limit=1,
                   start=now - timedelta(minutes=30))
    services.deadline_pause(actor=None, deadline=paused, version=1, reason="异议")
    met = start(world, subject_id="met", unit=DeadlineUnit.HOURS, limit=1, start=now - timedelta(minutes=30))
    services.deadline_meet(actor=None, deadline=met)
    return run_out


def test_the_sweep_marks_each_breach_once_with_one_event(world):
    now = timezone.now()
    run_out = _overdue_world(world, 5, now)
    later = now + timedelta(hours=2)  # the paused and met ones are past due by now too
    assert services.deadline_sweep(now=later, batch=2) == 5
    assert services.deadline_sweep(now=later) == 0
    breached = OutboxMessage.objects.filter(type="deadline.breached")
    assert sorted(m.subject_id for m in breached) == sorted(str(d.pk) for d in run_out)
    for d in run_out:
        d = fresh(d)
        assert d.status == DeadlineStatus.BREACHED and d.breached_at == d.due_at and d.version == 2
    assert AuditEvent.objects.filter(action="deadlines.breach").count() == 5
    assert Deadline.objects.get(subject_id="paused").breached_at is None
    assert Deadline.objects.get(subject_id="met").breached_at is None


def test_a_sweep_that_loses_the_race_writes_nothing(world, monkeypatch):
    """Sweep A reads its candidates; sweep B marks them all before A's conditional UPDATEs run."""
    now = timezone.now()
    _overdue_world(world, 4, now)
    original = services._sweep_candidates
    results: list[int] = []

    def race(when: datetime, batch: int) -> list[Deadline]:
        seen = original(when, batch)
        monkeypatch.setattr(services, "_sweep_candidates", original)
        results.append(services.deadline_sweep(now=when))  # sweep B, in between
        return seen

    monkeypatch.setattr(services, "_sweep_candidates", race)
    results.append(services.deadline_sweep(now=now + timedelta(hours=2)))  # sweep A
    assert results == [4, 0]
    assert OutboxMessage.objects.filter(type="deadline.breached").count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_mark_each_breach_exactly_once():
    owner = User.objects.create_user(username="owner", password="a-long-pass-12345", full_name="负责人")
    now = timezone.now()
    for i in range(40):
        services.deadline_start(actor=None, subject_type="tests.subject", subject_id=f"s{i}",
                                region_code=XW_VILLAGE, kind="tests.crisis", limit=1,
                                start=now - timedelta(hours=2), owner_user=owner)
    counts: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(services.deadline_sweep(now=now, batch=7))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(counts) == 40
    assert OutboxMessage.objects.filter(type="deadline.breached").count() == 40
    breached = OutboxMessage.objects.filter(type="deadline.breached")
    assert breached.values("subject_id").distinct().count() == 40
    assert not Deadline.objects.filter(breached_at__isnull=True).exists()


def test_the_sweep_is_a_periodic_job_every_thirty_seconds():
    assert registered_periodic()["core.deadline_sweep"].every == timedelta(seconds=30)


# --- rules that combine (Hypothesis, on the pure clock) ---------------------------------------------

SNAPSHOT = CalendarSnapshot.build(
    [row for y in range(2023, 2028) for row in package_year(y).days],
    confirmed_years=[y for y in range(2023, 2028) if package_year(y).confirmed])
UNITS = st.sampled_from(list(DeadlineUnit))
STARTS = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 6, 30),
                      timezones=st.just(SHANGHAI))


def _limit(unit: str) -> st.SearchStrategy[int]:
    return st.integers(0, 500 if unit == DeadlineUnit.HOURS else 60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=UNITS, data=st.data(), begin=STARTS)
def test_pause_and_resume_never_shorten_a_deadline(unit, data, begin):
    clock = DeadlineClock(unit=unit, counted_from=begin, counted_units=data.draw(_limit(unit)))
    due = clock.due(SNAPSHOT).due_at
    room = max(0, int((due - begin).total_seconds()))
    paused_at = begin + timedelta(seconds=data.draw(st.integers(0, room)))
    pause = timedelta(seconds=data.draw(st.integers(0, 30 * 86400)))
    resumed = clock.paused(paused_at).resumed(paused_at + pause, SNAPSHOT)
    new_due = resumed.due(SNAPSHOT).due_at
    assert new_due >= due
    if unit != DeadlineUnit.WORKING_DAYS:
        assert new_due == due + pause  # pushed by exactly the wall time paused
    else:
        assert new_due.astimezone(SHANGHAI).time() == due.astimezone(SHANGHAI).time()


@settings(max_examples=300, deadline=None)
@given(unit=UNITS, data=st.data(), begin=STARTS, extra=st.integers(1, 60))
def test_an_extension_always_moves_the_deadline_forward(unit, data, begin, extra):
    clock = DeadlineClock(unit=unit, counted_from=begin, counted_units=data.draw(_limit(unit)))
    due = clock.due(SNAPSHOT).due_at
    assert clock.extended(extra).due(SNAPSHOT).due_at > due
    if unit == DeadlineUnit.CALENDAR_DAYS:
        assert clock.extended(extra).due(SNAPSHOT).due_at == due + timedelta(days=extra)


@settings(max_examples=200, deadline=None)
@given(unit=UNITS, data=st.data(), begin=STARTS,
       steps=st.lists(st.tuples(st.sampled_from(["pause", "extend"]), st.integers(1, 10 * 86400),
                                st.integers(1, 5)), max_size=6))
def test_any_run_of_pauses_and_extensions_only_moves_the_deadline_later(unit, data, begin, steps):
    clock = DeadlineClock(unit=unit, counted_from=begin, counted_units=data.draw(_limit(unit)))
    now, due = begin, clock.due(SNAPSHOT).due_at
    for step, seconds, extra in steps:
        if step == "extend":
            clock = clock.extended(extra)
        else:
            at = min(now + timedelta(seconds=seconds // 3), due)
            clock = clock.paused(at).resumed(at + timedelta(seconds=seconds), SNAPSHOT)
            now = at + timedelta(seconds=seconds)
        later = clock.due(SNAPSHOT).due_at
        assert later >= due
        due = later


# --- reads, API and pages -------------------------------------------------------------------------


@pytest.fixture
def reviewer_client(world) -> Client:
    client = Client()
    client.force_login(persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU))
    return client


def test_the_matrix_rows():
    assert rule_for("deadlines.manage").view_action == "deadlines.view"
    viewers = rule_for("deadlines.view").roles
    assert Role.PARTNER_STAFF not in viewers and Role.DEPARTMENT_HANDLER not in viewers
    assert Role.INFORMANT not in viewers and Role.SUPERVISOR in viewers
    assert rule_for("deadlines.manage").roles <= viewers
    assert [r.action for r in DEADLINE_RULES] == ["deadlines.view", "deadlines.manage", "deadlines.export"]
    assert rule_for("deadlines.export").roles == viewers


def test_lists_are_scoped_and_filtered(world):
    now = timezone.now()
    mine = start(world, subject_id="x1", start=now, limit=10)
    theirs = start(world, subject_id="x1", region_code=GL_VILLAGE, owner_user=world.gulou_staff,
                   start=now)
    county = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    seen = deadline_list_for_user(user=county, subject_type="tests.subject", subject_id="x1")
    assert list(seen) == [mine]
    assert theirs not in deadline_list_for_user(user=county)
    assert [d.subject_id for d in deadline_list_for_user(user=county, owner_user=world.xuanwu_staff.pk,
                                                         status="paused")] == ["xw-paused"]
    assert deadlines_for_subject(user=persona(world, Role.PARTNER_STAFF, at=XUANWU),
                                 subject_type="tests.subject", subject_id="x1") == []
    with pytest.raises(DomainError) as caught:
        deadline_list_for_user(user=county, subject_id="x1")
    assert "subject_type" in caught.value.field_errors
    with pytest.raises(DomainError) as caught:
        deadline_list_for_user(user=county, status="late")
    assert "status" in caught.value.field_errors


def test_api_lists_a_subjects_and_an_owners_deadlines(world, reviewer_client, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(5):
        start(world, subject_id="case-9", kind="tests.crisis", unit=DeadlineUnit.HOURS, limit=10 + i,
              start=now, owner_organisation=world.xuanwu_office)
    with django_assert_max_num_queries(8):
        body = reviewer_client.get("/api/v1/deadlines?subject_type=tests.subject&subject_id=case-9").json()
    assert body["count"] == 5 and body["pages"] == 1
    first = body["items"][0]
    assert first["kind_label"] == "测试危机干预" and first["subject_url"] == "/tests/subjects/case-9/"
    assert first["owner_organisation_name"] == "玄武区民政局" and first["status"] == "open"
    assert first["owner_user_name"] == "玄武甲"
    by_org = reviewer_client.get(f"/api/v1/deadlines?owner_organisation={world.xuanwu_office.pk}").json()
    assert by_org["count"] == 5
    paused = reviewer_client.get(f"/api/v1/deadlines?owner_user={world.xuanwu_staff.pk}&status=paused").json()
    assert [d["subject_id"] for d in paused["items"]] == ["xw-paused"]
    assert reviewer_client.get("/api/v1/deadlines?status=late").status_code == 422
    assert reviewer_client.get("/api/v1/deadlines?subject_id=case-9").json()["field_errors"] == {
        "subject_type": ["按对象编号查询时须同时给出对象类型"]}


def test_api_actions_and_their_refusals(world, reviewer_client):
    d = start(world, start=timezone.now(), limit=10)
    url = f"/api/v1/deadlines/{d.pk}"
    assert reviewer_client.get(url).json()["version"] == 1
    response = reviewer_client.post(f"{url}/extend", {"version": 1, "extra": 2, "reason": "等证明"},
                                    content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["extensions"][0]["extra"] == 2
    with nothing_changes(d):
        stale = reviewer_client.post(f"{url}/pause", {"version": 1, "reason": "异议"},
                                     content_type="application/json")
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
        bad = reviewer_client.post(f"{url}/extend", {"version": 2, "extra": 0, "reason": "x"},
                                   content_type="application/json")
        assert bad.status_code == 400 and bad.json()["field_errors"]["extra"] == ["至少为 1"]
        missing = reviewer_client.post(f"{url}/cancel", {"version": 2}, content_type="application/json")
        assert missing.status_code == 422 and "reason" in missing.json()["field_errors"]
        not_paused = reviewer_client.post(f"{url}/resume", {"version": 2}, content_type="application/json")
        assert not_paused.status_code == 400 and not_paused.json()["code"] == "deadline_open"
    paused = reviewer_client.post(f"{url}/pause", {"version": 2, "reason": "异议"},
                                  content_type="application/json").json()
    assert paused["status"] == "paused" and paused["pause_reason"] == "异议"
    resumed = reviewer_client.post(f"{url}/resume", {"version": 3}, content_type="application/json").json()
    assert resumed["status"] == "open" and resumed["version"] == 4
    cancelled = reviewer_client.post(f"{url}/cancel", {"version": 4, "reason": "撤回"},
                                     content_type="application/json").json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "撤回"


def test_the_list_page_shows_shanghai_time_and_the_provisional_badge(world, reviewer_client,
                                                                     django_assert_max_num_queries):
    start(world, subject_id="p1", start=sh(2027, 1, 29, 10, 0), limit=10)
    for i in range(10):
        start(world, subject_id=f"n{i}", start=timezone.now(), limit=3 + i)
    with django_assert_max_num_queries(14):
        response = reviewer_client.get("/deadlines/?subject_type=tests.subject")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2027-02-16 23:59:59" in html and 'data-testid="provisional-badge"' in html
    assert "测试审核期限" in html
    overdue = reviewer_client.get("/deadlines/?overdue=1").content.decode()
    assert "其他记录 p1" in html and "其他记录 p1" not in overdue
    mine = reviewer_client.get("/deadlines/?owner=me").content.decode()
    assert "没有符合条件的期限" in mine


def test_the_detail_page_offers_the_actions_and_they_work(world, reviewer_client):
    d = start(world, start=sh(2027, 1, 29, 10, 0), limit=10)
    html = reviewer_client.get(f"/deadlines/{d.pk}/").content.decode()
    assert 'data-testid="provisional-warning"' in html and "2027" in html
    for action in ("pause", "extend", "cancel"):
        assert f"/deadlines/{d.pk}/{action}/" in html
    assert f"/deadlines/{d.pk}/resume/" not in html
    response = reviewer_client.post(f"/deadlines/{d.pk}/extend/",
                                    {"version": 1, "extra": 2, "reason": "补正"})
    assert response.status_code == 302
    assert fresh(d).due_at == sh(2027, 2, 18, 23, 59, 59) and fresh(d).version == 2
    # A stale form: back to the page with the message, nothing changed.
    with nothing_changes(d):
        stale = reviewer_client.post(f"/deadlines/{d.pk}/pause/", {"version": 1, "reason": "异议"},
                                     follow=True)
        assert "已被他人修改" in stale.content.decode()
        blank = reviewer_client.post(f"/deadlines/{d.pk}/cancel/", {"version": 2, "reason": ""})
        assert blank.status_code == 400 and 'id="cancel_reason"' in blank.content.decode()
        wrong = reviewer_client.post(f"/deadlines/{d.pk}/resume/", {"version": 2}, follow=True)
        assert "该期限未暂停，不能恢复计时" in wrong.content.decode()
    page = reviewer_client.get(f"/deadlines/{d.pk}/").content.decode()
    assert "补正" in page and 'data-testid="deadline-extensions"' in page


def test_a_viewer_sees_no_actions(world):
    d = start(world, start=timezone.now())
    client = Client()
    client.force_login(persona(world, Role.WINDOW_CLERK, at=XUANWU))
    html = client.get(f"/deadlines/{d.pk}/").content.decode()
    assert 'data-testid="deadline-facts"' in html and 'data-testid="deadline-actions"' not in html


def test_the_panel_for_record_pages(world, reviewer_client):
    d = start(world, subject_id="case-7", start=timezone.now())
    reviewer = persona(world, Role.TOWNSHIP_LEAD, at=XUANWU)
    rows = deadlines_for_subject(user=reviewer, subject_type="tests.subject", subject_id="case-7")
    html = render_to_string("core/deadlines/_panel.html", {
        "deadlines": rows, "subject_type": "tests.subject", "subject_id": "case-7"})
    assert f"/deadlines/{d.pk}/" in html and 'data-testid="deadline-panel"' in html
    lazy = render_to_string("core/deadlines/_panel.html", {"subject_type": "tests.subject",
                                                           "subject_id": "case-7"})
    assert 'hx-get="/deadlines/?panel=1&amp;subject_type=tests.subject&amp;subject_id=case-7"' in lazy
    partial = reviewer_client.get("/deadlines/?panel=1&subject_type=tests.subject&subject_id=case-7",
                                  HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert f"/deadlines/{d.pk}/" in partial.content.decode()

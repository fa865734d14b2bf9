"""Policy parameters: versions and their periods, region overrides, lookups and their cache, loading
the defaults, withdrawal, permissions, the API."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Grant, Organisation, User
from jijinan.audit.models import AuditEvent
from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound, RowErrors
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.policy import lookup
from jijinan.policy.errors import NoValueInForce, PolicyErrorCode
from jijinan.policy.lookup import (
    ParameterTable,
    VersionRow,
    policy_cache_invalidate,
    region_chain,
    value,
    values_in_force,
)
from jijinan.policy.models import ParameterDefinition, ParameterVersion
from jijinan.policy.services import (
    VersionInput,
    parameter_version_add,
    parameter_version_withdraw,
    parameters_load,
    parameters_load_json,
)
from jijinan.policy.values import Band, Duration
from jijinan.regions.models import Region
from tests.world import PASSWORD, fingerprint

pytestmark = pytest.mark.django_db

DEFAULTS = Path(__file__).resolve().parent.parent / "src/jijinan/policy/data/defaults.json"
PROVINCE, NANJING, XUANWU, GULOU = "320000000000", "320100000000", "320102000000", "320106000000"
WUXI, LIANGXI = "320200000000", "320213000000"
MEIYUAN = "320102002000"  # a street of 玄武区
STANDARD = "dibao.standard_monthly"
CEILING = "temporary_assistance.township_ceiling"
TODAY = today_local()
FUTURE = TODAY.year + 3  # a year whose versions are pending whenever the suite runs


def f(month: int = 1, day: int = 1, years: int = 0) -> date:
    return date(FUTURE + years, month, day)


@pytest.fixture(autouse=True)
def _fresh_policy_cache():  # type: ignore[no-untyped-def]
    # The tables outlive a test's rolled-back transaction; start and end every test without them.
    policy_cache_invalidate()
    yield
    policy_cache_invalidate()


@pytest.fixture
def defaults(jiangsu):  # type: ignore[no-untyped-def]
    return parameters_load_json(actor=None, text=DEFAULTS.read_text(encoding="utf-8"), source="defaults.json")


def admin_at(code: str, username: str = "") -> User:
    region = Region.objects.get(code=code)
    office, _created = Organisation.objects.get_or_create(
        region=region, name=f"{region.name}民政局", defaults={"kind": OrganisationKind.CIVIL_AFFAIRS_OFFICE})
    user = User.objects.create_user(username=username or f"admin_{code}", password=PASSWORD,
                                    organisation=office, full_name=f"{region.name}管理员")
    Grant.objects.create(user=user, role=Role.ADMINISTRATOR, region=region)
    return user


def add(name: str, region: str, raw: object, start: date, end: date | None = None, *, actor: object = None,
        backdate: bool = False, citation: str = "测试文件") -> ParameterVersion:
    return parameter_version_add(actor=actor, name=name, data=VersionInput(
        region_code=region, value=raw, effective_from=start, effective_to=end, citation=citation,
        backdate=backdate))


def live(name: str, region: str) -> list[tuple[date, date | None, object]]:
    return list(ParameterVersion.objects.filter(
        definition__name=name, region__code=region, withdrawn_at__isnull=True)
        .order_by("effective_from").values_list("effective_from", "effective_to", "value"))


# --- the defaults ---------------------------------------------------------------------------------


def test_the_defaults_hold_every_number_of_policy_md(defaults):
    assert defaults.definitions_created == ParameterDefinition.objects.count() >= 70
    assert defaults.versions_created == ParameterVersion.objects.count()
    # Every definition has a province version with a citation; "(other province)" ones say so.
    for definition in ParameterDefinition.objects.prefetch_related("versions__region"):
        versions = list(definition.versions.all())
        assert any(v.region.code == PROVINCE for v in versions) or definition.name == STANDARD, definition.name
        assert all(v.citation for v in versions)
        for v in versions:
            if v.basis == "other_province":
                assert "other province" in v.citation, definition.name
    names = set(ParameterDefinition.objects.values_list("name", flat=True))
    assert {STANDARD, CEILING, "temporary_assistance.fast_track_limit", "temporary_assistance.cap",
            "temporary_assistance.band_expense_medical", "temporary_assistance.escalation_threshold",
            "temporary_assistance.repeat_limit_per_year", "dibao.gradual_exit_multiple",
            "dibao.review_interval_irregular", "dibao.uplift_rate_higher", "medical_assistance.rate_dibao_tekun",
            "medical_assistance.deductible_dibao_edge", "case_handling.crisis_first_contact_limit",
            "vagrant_aid.stay_limit"} <= names


def test_loading_the_defaults_again_changes_nothing(defaults):
    before = fingerprint()
    result = parameters_load_json(actor=None, text=DEFAULTS.read_text(encoding="utf-8"), source="again")
    assert (result.definitions_created, result.definitions_updated, result.versions_created) == (0, 0, 0)
    assert result.versions_unchanged == defaults.versions_created
    assert fingerprint() == before


def test_nanjing_standard_is_945_and_other_cities_use_the_province_figure(defaults):
    found = value(STANDARD, MEIYUAN, date(2024, 3, 1))
    assert (found.value, found.region_code, found.effective_from) == (94500, NANJING, date(2020, 7, 1))
    assert "945" in found.citation
    assert found.display() == "945.00 元/人·月"
    wuxi = value(STANDARD, LIANGXI, date(2024, 3, 1))
    assert (wuxi.value, wuxi.region_code) == (80300, PROVINCE)


def test_typed_values(defaults):
    day = date(2024, 3, 1)
    assert value(CEILING, XUANWU, day).value == Decimal(3)
    assert value("temporary_assistance.band_expense_medical", XUANWU, day).value == Band(Decimal(2), Decimal(10))
    assert value("temporary_assistance.aid_limit", XUANWU, day).value == Duration(48, "hours")
    assert value("dibao.public_notice_period", XUANWU, day).value == Duration(5, "working_days")
    assert value("medical_assistance.rate_dibao_tekun", XUANWU, day).value == Decimal(70)
    assert value("temporary_assistance.public_notice_below_ceiling", XUANWU, day).value is False
    assert value("dibao.review_interval_stable", XUANWU, day).value == 12
    assert value("general.per_capita_disposable_income", XUANWU, day).value == 5267400
    assert value("temporary_assistance.aid_limit", XUANWU, day).display() == "48 小时"


def test_a_damaged_file_is_refused_whole(jiangsu):
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    data["definitions"][3]["versions"][0]["value"] = "three"
    data["definitions"][5]["kind"] = "colour"
    with pytest.raises(RowErrors) as caught:
        parameters_load(actor=None, data=data, source="bad")
    assert {(e.row, e.column) for e in caught.value.rows} >= {(6, "kind")}
    assert ParameterDefinition.objects.count() == ParameterVersion.objects.count() == 0
    # The bad value is found once the definitions are right.
    data["definitions"][5]["kind"] = "band"
    with pytest.raises(RowErrors) as caught:
        parameters_load(actor=None, data=data, source="bad")
    assert [(e.row, e.column) for e in caught.value.rows] == [(4, "versions[0].value")]
    assert ParameterDefinition.objects.count() == 0


def test_a_file_that_would_rewrite_a_version_is_refused(defaults):
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    standard = next(d for d in data["definitions"] if d["name"] == STANDARD)
    standard["versions"][1]["value"] = 99900
    before = fingerprint()
    with pytest.raises(RowErrors) as caught:
        parameters_load(actor=None, data=data, source="changed")
    assert "不能改写" in caught.value.rows[0].reason
    assert fingerprint() == before


def test_the_policy_command_loads_and_looks_up(jiangsu):
    out = io.StringIO()
    call_command("policy", "load", str(DEFAULTS), stdout=out)
    assert f"created {ParameterDefinition.objects.count()}," in out.getvalue()
    out = io.StringIO()
    call_command("policy", "value", STANDARD, MEIYUAN, "--on", "2024-03-01", stdout=out)
    assert "945.00" in out.getvalue()


# --- region overrides ---------------------------------------------------------------------------------


def test_a_county_overrides_its_city_which_overrides_the_province(defaults):
    add(STANDARD, XUANWU, 98000, date(2023, 1, 1), backdate=True)
    day = date(2024, 3, 1)
    assert value(STANDARD, "320102002001", day).region_code == XUANWU  # a village asks its county
    assert value(STANDARD, MEIYUAN, day).value == 98000
    assert value(STANDARD, XUANWU, day).value == 98000
    assert value(STANDARD, GULOU, day).value == 94500  # the city's
    assert value(STANDARD, NANJING, day).value == 94500
    assert value(STANDARD, LIANGXI, day).value == 80300  # the province's
    assert value(STANDARD, PROVINCE, day).value == 80300
    # Before the county's version starts, the city's applies.
    assert value(STANDARD, XUANWU, date(2022, 12, 31)).region_code == NANJING


def test_region_chain_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert region_chain("320102002001") == (XUANWU, NANJING, PROVINCE)
        assert region_chain(NANJING) == (NANJING, PROVINCE)
        assert region_chain(PROVINCE) == (PROVINCE,)
    with pytest.raises(DomainError):
        region_chain("3201")


@pytest.mark.parametrize(("code", "message"), [
    (MEIYUAN, "乡镇（街道）"), ("320999000000", "不存在")])
def test_versions_are_set_for_province_city_or_county_only(defaults, code, message):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        add(STANDARD, code, 90000, f())
    assert message in caught.value.field_errors["region_code"][0]
    assert fingerprint() == before


# --- history is never rewritten -------------------------------------------------------------------------


def test_a_march_decision_keeps_the_march_version_after_a_later_change(defaults):
    march = date(TODAY.year, 3, 15)
    decided = value(CEILING, MEIYUAN, march)  # what a decision in March stored
    change = add(CEILING, PROVINCE, "4", f())
    again = value(CEILING, MEIYUAN, march)
    assert (again.version_id, again.value) == (decided.version_id, Decimal(3))
    old = ParameterVersion.objects.get(pk=decided.version_id)
    assert (old.value, old.effective_to) == ("3", f())  # closed, never rewritten
    assert value(CEILING, MEIYUAN, f()).version_id == change.pk
    assert value(CEILING, MEIYUAN, f() - timedelta(days=1)).version_id == decided.version_id


def test_a_start_before_today_needs_confirmation(defaults):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        add(CEILING, XUANWU, "4", TODAY - timedelta(days=1))
    assert caught.value.code == PolicyErrorCode.BACKDATED
    assert "追溯生效" in caught.value.field_errors["effective_from"][0]
    assert fingerprint() == before
    version = add(CEILING, XUANWU, "4", TODAY - timedelta(days=1), backdate=True)
    event = AuditEvent.objects.filter(action="policy.version.add", region_code=XUANWU).latest("id")
    assert "追溯生效" in event.note and event.changes["version"] == [None, version.pk]


def test_a_date_before_any_value_is_refused(defaults):
    with pytest.raises(NoValueInForce) as caught:
        value(STANDARD, LIANGXI, date(2020, 6, 30))
    assert caught.value.code == PolicyErrorCode.NO_VALUE and caught.value.status == 404
    assert "2021-01-01" in str(caught.value.message)
    with pytest.raises(NotFound):
        value("no.such_parameter", XUANWU, date(2024, 1, 1))


# --- overlap -----------------------------------------------------------------------------------------------


@pytest.fixture
def two_versions(defaults):  # type: ignore[no-untyped-def]
    """玄武区: [y+3-01-01, y+4-01-01) and [y+5-01-01, open)."""
    add(CEILING, XUANWU, "4", f(), f(years=1))
    add(CEILING, XUANWU, "5", f(years=2))


@pytest.mark.parametrize(("start", "end", "field"), [
    (f(6, 1), f(9, 1), "effective_from"),  # inside a closed period
    (f(years=-1), f(1, 2), "effective_to"),  # one day into the next period
    (f(), f(2, 1), "effective_from"),  # the same start
    (f(years=1), None, "effective_to"),  # open-ended into a later version
    (f(12, 31), f(6, 1, years=1), "effective_from"),  # across the end of a closed period
])
def test_overlapping_periods_are_refused(two_versions, start, end, field):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        add(CEILING, XUANWU, "6", start, end)
    assert caught.value.code == PolicyErrorCode.OVERLAP
    assert caught.value.field_errors[field]
    assert fingerprint() == before


@pytest.mark.parametrize(("start", "end"), [
    (f(years=-1), f()),  # ends on the day the first starts: touching, no overlap
    (f(years=1), f(years=2)),  # fills the gap exactly
])
def test_touching_periods_are_accepted(two_versions, start, end):
    add(CEILING, XUANWU, "6", start, end)
    periods = live(CEILING, XUANWU)
    assert len(periods) == 3
    assert all(a[1] is not None and a[1] <= b[0] for a, b in pairwise(periods))


def test_a_new_version_closes_the_open_ended_current_one(two_versions):
    version = add(CEILING, XUANWU, "6", f(6, 1, years=2))
    assert live(CEILING, XUANWU)[-2:] == [(f(years=2), f(6, 1, years=2), "5"), (f(6, 1, years=2), None, "6")]
    assert version.supersedes.value == "5"


def test_the_database_refuses_a_second_open_ended_version(two_versions):
    definition = ParameterDefinition.objects.get(name=CEILING)
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterVersion.objects.create(definition=definition, region=Region.objects.get(code=XUANWU),
                                        value="7", effective_from=f(years=9), citation="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_postgresql_refuses_overlapping_periods_itself(two_versions):
    definition = ParameterDefinition.objects.get(name=CEILING)
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterVersion.objects.create(definition=definition, region=Region.objects.get(code=XUANWU),
                                        value="7", effective_from=f(3, 1), effective_to=f(4, 1), citation="x")


# --- wrong type or unit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "raw"), [
    (STANDARD, "945.00"),  # money is integer fen, not yuan text
    (STANDARD, 945.5),
    (STANDARD, -100),
    (STANDARD, True),
    (CEILING, "three"),
    (CEILING, {"min": "1", "max": "3"}),
    (CEILING, "1.23456"),
    ("temporary_assistance.band_emergency", {"min": "3", "max": "1"}),
    ("temporary_assistance.band_emergency", "1-3"),
    ("dibao.public_notice_period", {"count": 5, "unit": "weeks"}),
    ("dibao.public_notice_period", {"count": 5, "unit": "hours"}),  # not a unit this limit allows
    ("dibao.public_notice_period", {"count": "5", "unit": "working_days"}),
    ("dibao.public_notice_period", 5),
    ("temporary_assistance.aid_limit", {"count": 2, "unit": "working_days"}),
    ("temporary_assistance.public_notice_below_ceiling", "no"),
    ("dibao.review_interval_stable", 6.5),
    ("medical_assistance.rate_dibao_tekun", "seventy"),
])
def test_a_value_of_the_wrong_type_or_unit_is_refused(defaults, name, raw):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        add(name, XUANWU, raw, f())
    assert caught.value.code == PolicyErrorCode.BAD_VALUE
    assert caught.value.field_errors["value"]
    assert fingerprint() == before


def test_other_bad_fields_are_reported_together(defaults):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        parameter_version_add(actor=None, name=STANDARD, data=VersionInput(
            region_code=XUANWU, value="x", effective_from=f(), effective_to=f(), citation=" ",
            url="ftp://example.org"))
    assert set(caught.value.field_errors) == {"value", "effective_to", "citation", "url"}
    assert fingerprint() == before


# --- pending versions and withdrawal ------------------------------------------------------------------------


def test_a_pending_version_is_listed_and_can_be_withdrawn(defaults):
    current = value(CEILING, XUANWU, TODAY)
    pending = add(CEILING, XUANWU, "4", f())
    assert pending.status_on(TODAY) == "pending"
    assert value(CEILING, XUANWU, f()).version_id == pending.pk
    assert ParameterVersion.objects.get(pk=current.version_id).effective_to is None  # a province version
    parameter_version_withdraw(actor=None, version=pending, reason="文件推迟")
    pending.refresh_from_db()
    assert pending.withdrawn_at is not None and pending.status_on(TODAY) == "withdrawn"
    assert value(CEILING, XUANWU, f()).version_id == current.version_id  # back to the province's


def test_withdrawing_gives_the_period_back_to_the_version_it_closed(defaults):
    first = add(CEILING, NANJING, "4", f())
    second = add(CEILING, NANJING, "5", f(years=1))
    third = add(CEILING, NANJING, "6", f(years=2))
    parameter_version_withdraw(actor=None, version=second, reason="撤回")
    assert live(CEILING, NANJING) == [(f(), f(years=2), "4"), (f(years=2), None, "6")]
    third.refresh_from_db()
    assert third.supersedes_id == first.pk
    parameter_version_withdraw(actor=None, version=third, reason="撤回")
    assert live(CEILING, NANJING) == [(f(), None, "4")]


def test_a_version_in_force_cannot_be_withdrawn(defaults):
    in_force = ParameterVersion.objects.get(pk=value(STANDARD, NANJING, TODAY).version_id)
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        parameter_version_withdraw(actor=None, version=in_force, reason="试试")
    assert caught.value.code == PolicyErrorCode.NOT_PENDING
    assert fingerprint() == before


def test_a_stale_definition_version_is_refused(defaults):
    definition = ParameterDefinition.objects.get(name=CEILING)
    add(CEILING, XUANWU, "4", f())
    before = fingerprint()
    with pytest.raises(Conflict):
        parameter_version_add(actor=None, name=CEILING, definition_version=definition.version, data=VersionInput(
            region_code=GULOU, value="4", effective_from=f(), citation="x"))
    assert fingerprint() == before


# --- permissions ----------------------------------------------------------------------------------------------


def test_an_override_outside_the_editors_scope_is_refused(defaults):
    editor = admin_at(XUANWU)
    add(CEILING, XUANWU, "4", f(), actor=editor)  # own district: fine
    before = fingerprint()
    for region in (GULOU, NANJING, PROVINCE):
        with pytest.raises(Forbidden):
            add(CEILING, region, "4", f(), actor=editor)
    gulou_pending = add(CEILING, GULOU, "4", f())
    before = fingerprint()
    with pytest.raises(Forbidden):
        parameter_version_withdraw(actor=editor, version=gulou_pending, reason="越权")
    assert fingerprint() == before


def test_the_api_refuses_an_out_of_scope_override_with_403(defaults):
    client = Client()
    client.force_login(admin_at(XUANWU))
    before = fingerprint()
    response = client.post(f"/api/v1/policy/parameters/{CEILING}/versions", {
        "region_code": GULOU, "value": "4", "effective_from": f().isoformat(), "citation": "x"},
        content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert fingerprint() == before


def test_every_change_is_audited_with_an_outbox_event(defaults):
    editor = admin_at(XUANWU)
    version = add(CEILING, XUANWU, "4", f(), actor=editor)
    event = AuditEvent.objects.filter(action="policy.version.add", subject_id=str(version.definition_id)).latest("id")
    assert (event.actor_id, event.region_code) == (editor.pk, XUANWU)
    assert event.changes["value"] == [None, "4"]
    message = OutboxMessage.objects.filter(type="policy.version_added").latest("id")
    assert message.payload["version_id"] == version.pk
    parameter_version_withdraw(actor=editor, version=version, reason="文件推迟")
    assert AuditEvent.objects.filter(action="policy.version.withdraw", note="文件推迟").exists()
    assert OutboxMessage.objects.filter(type="policy.version_withdrawn").exists()


# --- the cache ----------------------------------------------------------------------------------------------


def test_lookups_after_warm_up_run_no_query(defaults, django_assert_num_queries):
    names = list(ParameterDefinition.objects.values_list("name", flat=True))
    for name in names[:5]:
        lookup.value_or_none(name, MEIYUAN, TODAY)  # loads these tables one by one
    values_in_force(XUANWU, TODAY)  # loads the rest at once
    with django_assert_num_queries(0):
        for name in names:
            for region in (MEIYUAN, LIANGXI, GULOU):
                lookup.value_or_none(name, region, date(2024, 3, 1))
        assert value(STANDARD, MEIYUAN, TODAY).value == 94500
        values_in_force(XUANWU, TODAY)


def test_a_change_invalidates_the_cache(defaults):
    assert value(STANDARD, XUANWU, f()).value == 94500
    add(STANDARD, XUANWU, 99000, f())
    assert value(STANDARD, XUANWU, f()).value == 99000


def test_a_change_in_another_process_is_seen_through_the_shared_key(defaults, monkeypatch):
    assert value(STANDARD, NANJING, TODAY).value == 94500
    # Another process changed the row and bumped the shared key; this process still has its table.
    ParameterVersion.objects.filter(region__code=NANJING, definition__name=STANDARD).update(value=95000)
    assert value(STANDARD, NANJING, TODAY).value == 94500
    cache.set(lookup._CACHE_KEY, "changed-elsewhere", timeout=None)
    monkeypatch.setattr(lookup, "_checked_at", -1e9)  # a second has passed
    assert value(STANDARD, NANJING, TODAY).value == 95000


# --- properties ------------------------------------------------------------------------------------------------

DAY0 = date(2020, 1, 1)
periods = st.lists(st.tuples(st.integers(1, 40), st.one_of(st.none(), st.integers(1, 40))), max_size=6)


def _build(chunks: list[tuple[int, int | None]], code: str, offset: int) -> list[VersionRow]:
    """Non-overlapping periods laid out one after another, with gaps, from ``offset`` days."""
    rows, at = [], offset
    for i, (gap, length) in enumerate(chunks):
        start = DAY0 + timedelta(days=at + gap)
        last = i == len(chunks) - 1
        end = None if (length is None and last) else start + timedelta(days=length or 1)
        rows.append(VersionRow(len(rows) + offset * 100 + 1, code, 1, start, end, ""))
        if end is None:
            break
        at = (end - DAY0).days
    return rows


@given(county=periods, city=periods, province=periods, probe=st.integers(0, 400))
def test_a_lookup_returns_the_most_specific_version_whose_period_holds_the_day(county, city, province, probe):
    rows = _build(county, XUANWU, 0) + _build(city, NANJING, 7) + _build(province, PROVINCE, 3)
    table = ParameterTable(name="x.y", kind="integer", rows=rows)
    day = DAY0 + timedelta(days=probe)
    expected = None
    for code in (XUANWU, NANJING, PROVINCE):
        holding = [r for r in rows if r.region_code == code and r.effective_from <= day
                   and (r.effective_to is None or day < r.effective_to)]
        assert len(holding) <= 1
        if holding:
            expected = holding[0].id
            break
    found = table.find(MEIYUAN, day)
    assert (found.version_id if found else None) == expected


attempts = st.lists(st.tuples(st.sampled_from([XUANWU, NANJING]), st.integers(0, 60),
                              st.one_of(st.none(), st.integers(1, 40))), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=attempts, probes=st.lists(st.integers(-5, 120), min_size=1, max_size=10))
def test_added_versions_never_overlap_and_lookups_agree_with_them(defaults, plan, probes):
    sid = transaction.savepoint()
    try:
        base = f()
        for region, start, length in plan:
            first = base + timedelta(days=start)
            try:
                add(CEILING, region, str(start + 1), first, first + timedelta(days=length) if length else None)
            except DomainError as exc:
                assert exc.code == PolicyErrorCode.OVERLAP
        rows = {code: live(CEILING, code) for code in (XUANWU, NANJING, PROVINCE)}
        for periods_of_region in rows.values():
            for a, b in pairwise(periods_of_region):
                assert a[1] is not None and a[1] <= b[0]
        for probe in probes:
            day = base + timedelta(days=probe)
            expected = None
            for code in (XUANWU, NANJING, PROVINCE):
                holding = [v for s, e, v in rows[code] if s <= day and (e is None or day < e)]
                if holding:
                    expected = holding[0]
                    break
            assert lookup.value_or_none(CEILING, MEIYUAN, day).stored == expected
    finally:
        transaction.savepoint_rollback(sid)
        policy_cache_invalidate()


# --- the API ------------------------------------------------------------------------------------------------------


@pytest.fixture
def api(defaults):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_at(XUANWU))
    return client


def test_api_value_names_the_version_used(api):
    body = api.get(f"/api/v1/policy/parameters/{STANDARD}/value?region={MEIYUAN}&on=2024-03-01").json()
    assert (body["value"], body["region_code"], body["value_display"]) == (94500, NANJING, "945.00 元/人·月")
    assert ParameterVersion.objects.get(pk=body["version_id"]).value == 94500
    missing = api.get(f"/api/v1/policy/parameters/{STANDARD}/value?region={LIANGXI}&on=2019-01-01")
    assert missing.status_code == 404 and missing.json()["code"] == "policy_no_value"


def test_api_adds_lists_and_withdraws_versions(api):
    definition = api.get(f"/api/v1/policy/parameters/{CEILING}").json()
    response = api.post(f"/api/v1/policy/parameters/{CEILING}/versions", {
        "region_code": XUANWU, "value": "4.5", "effective_from": f().isoformat(), "citation": "玄武区文件",
        "document_number": "玄民〔2030〕1号", "definition_version": definition["version"]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["value"], created["value_display"]) == ("pending", "4.5", "4.5 倍月低保标准")
    history = api.get(f"/api/v1/policy/versions?name={CEILING}&region={MEIYUAN}&chain=true").json()
    assert [v["region_code"] for v in history["items"]] == [PROVINCE, XUANWU]
    assert api.get("/api/v1/policy/versions?status=pending").json()["count"] == 1
    stale = api.post(f"/api/v1/policy/parameters/{CEILING}/versions", {
        "region_code": XUANWU, "value": "5", "effective_from": f(years=1).isoformat(), "citation": "x",
        "definition_version": definition["version"]}, content_type="application/json")
    assert stale.status_code == 409
    withdrawn = api.post(f"/api/v1/policy/versions/{created['id']}/withdraw", {"reason": "推迟"},
                         content_type="application/json").json()
    assert (withdrawn["status"], withdrawn["withdraw_reason"]) == ("withdrawn", "推迟")


def test_api_field_errors_are_chinese(api):
    response = api.post(f"/api/v1/policy/parameters/{STANDARD}/versions", {
        "region_code": XUANWU, "value": "945.00", "effective_from": f().isoformat(), "citation": "x"},
        content_type="application/json")
    assert response.status_code == 400
    assert "以分为单位" in response.json()["field_errors"]["value"][0]


def test_api_compares_two_days(api):
    add(STANDARD, XUANWU, 99000, f())
    body = api.get(f"/api/v1/policy/compare?region={XUANWU}&date_a=2024-03-01&date_b={f().isoformat()}"
                   "&changed_only=true").json()
    assert body["changed_count"] == 1
    (row,) = body["rows"]
    assert (row["name"], row["a"]["value"], row["b"]["value"], row["value_changed"]) == (STANDARD, 94500, 99000, True)
    everything = api.get(f"/api/v1/policy/values?region={XUANWU}&on=2024-03-01").json()
    assert len(everything["parameters"]) == ParameterDefinition.objects.count()


def test_api_lists_definitions_by_program(api):
    body = api.get("/api/v1/policy/parameters?program=tekun&page_size=100").json()
    assert body["count"] >= 10 and all(d["program"] == "tekun" for d in body["items"])


def test_the_demo_step_is_repeatable_and_shows_a_pending_district_change(jiangsu):
    from jijinan.core.demo import DemoContext
    from jijinan.policy.demo import demo_policy

    demo_policy(DemoContext(stdout=io.StringIO()))
    before = fingerprint()
    demo_policy(DemoContext(stdout=io.StringIO()))
    assert fingerprint() == before
    pending = value(CEILING, MEIYUAN, date(TODAY.year + 1, 1, 1))
    assert (pending.region_code, pending.value) == (XUANWU, Decimal(4))
    demo_policy(DemoContext(scale=1, stdout=io.StringIO()))  # a synthetic province: Nanjing's counties
    assert ParameterVersion.objects.filter(definition__name=STANDARD, region__level="county").count() == 11


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_changes_let_exactly_one_through():
    import threading

    from jijinan.regions.services import regions_load_csv
    from tests.world import REGIONS

    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")
    ParameterDefinition.objects.create(name="test.limit", label="测试", program="dibao", kind="integer")
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def change(start: date, raw: int) -> None:
        try:
            barrier.wait(timeout=30)
            add("test.limit", XUANWU, raw, start, start + timedelta(days=200))
            outcomes.append("saved")
        except DomainError as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(f(), 1)), threading.Thread(target=change, args=(f(3, 1), 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(outcomes) == [PolicyErrorCode.OVERLAP, "saved"]
    assert len(live("test.limit", XUANWU)) == 1

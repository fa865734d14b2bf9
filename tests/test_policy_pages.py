"""Policy pages: values in force by region and day, a parameter's history, adding and withdrawing
versions with field-level errors, comparing two days."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from jijinan.core.permissions import Role
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.policy.models import ParameterVersion
from tests.test_policy import (
    CEILING,
    DEFAULTS,
    GULOU,
    NANJING,
    STANDARD,
    XUANWU,
    add,
    admin_at,
    f,
    live,
)
from tests.world import fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_policy_cache():  # type: ignore[no-untyped-def]
    policy_cache_invalidate()
    yield
    policy_cache_invalidate()


@pytest.fixture
def editor(jiangsu):  # type: ignore[no-untyped-def]
    from jijinan.policy.services import parameters_load_json

    parameters_load_json(actor=None, text=DEFAULTS.read_text(encoding="utf-8"), source="defaults.json")
    client = Client()
    client.force_login(admin_at(XUANWU))
    return client


@pytest.fixture
def clerk(editor):  # type: ignore[no-untyped-def]
    from jijinan.accounts.models import Grant, User
    from jijinan.regions.models import Region

    user = User.objects.create_user(username="clerk", password="x-pass-12345", full_name="窗口")
    Grant.objects.create(user=user, role=Role.WINDOW_CLERK, region=Region.objects.get(code=XUANWU))
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_nanjings_values_grouped_by_program(editor, django_assert_max_num_queries):
    editor.get("/policy/")  # warm the tables
    with django_assert_max_num_queries(12):
        response = editor.get("/policy/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "945.00 元/人·月" in html and "临时救助" in html and "特困人员救助供养" in html
    assert "style=" not in html


def test_the_list_for_another_county_and_day(editor):
    html = editor.get(f"/policy/?region={GULOU}&on=2024-03-01").content.decode()
    assert "945.00 元/人·月" in html and "（沿用上级）" in html
    early = editor.get(f"/policy/?region={NANJING}&on=2019-01-01").content.decode()
    assert "该日没有生效的取值" in early
    assert editor.get("/policy/?region=999&on=x").status_code == 400


def test_the_parameter_page_shows_history_across_regions_with_pending_badged(editor, clerk,
                                                                           django_assert_max_num_queries):
    own = add(CEILING, XUANWU, "4", f())
    other = add(CEILING, GULOU, "5", f())
    for extra in range(3):
        add(CEILING, NANJING, str(6 + extra), f(years=extra))
    with django_assert_max_num_queries(10):
        html = editor.get(f"/policy/parameters/{CEILING}/").content.decode()
    assert "待生效" in html and "江苏省" in html and "玄武区" in html and "鼓楼区" in html
    assert f"/policy/versions/{own.pk}/withdraw/" in html
    assert f"/policy/versions/{other.pk}/withdraw/" not in html  # outside the editor's district
    assert "audit-history-slot" in html or "audit" in html
    clerk_html = clerk.get(f"/policy/parameters/{CEILING}/").content.decode()
    assert "待生效" in clerk_html and "/withdraw/" not in clerk_html and "新增版本" not in clerk_html


def test_adding_a_version_through_the_form(editor):
    url = f"/policy/parameters/{STANDARD}/versions/new/"
    assert editor.get(url).status_code == 200
    response = editor.post(url, {"region_code": XUANWU, "value": "980.50", "effective_from": f().isoformat(),
                                 "citation": "玄武区文件", "basis": "policy"})
    assert response.status_code == 302
    assert live(STANDARD, XUANWU) == [(f(), None, 98050)]


@pytest.mark.parametrize(("data", "field_text"), [
    ({"value": "九百"}, "请输入金额"),
    ({"value": "945.123"}, "请输入金额"),
    ({"effective_to": "2020-01-01"}, "失效日期必须晚于生效日期"),
    ({"effective_from": "2024-01-01"}, "追溯生效"),
    ({"region_code": "320102002000"}, "乡镇（街道）"),
    ({"citation": ""}, "必填"),
])
def test_the_form_shows_chinese_errors_on_the_field_and_saves_nothing(editor, data, field_text):
    url = f"/policy/parameters/{STANDARD}/versions/new/"
    body = {"region_code": XUANWU, "value": "980", "effective_from": f().isoformat(), "citation": "文件",
            "basis": "policy", **data}
    before = fingerprint()
    response = editor.post(url, body)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_text in html and "field-error" in html
    assert fingerprint() == before


def test_an_overlap_is_shown_on_the_form(editor):
    add(CEILING, XUANWU, "4", f(), f(years=1))
    before = fingerprint()
    response = editor.post(f"/policy/parameters/{CEILING}/versions/new/", {
        "region_code": XUANWU, "value": "5", "effective_from": f(6, 1).isoformat(), "citation": "x",
        "basis": "policy"})
    assert response.status_code == 400 and "有效期重叠" in response.content.decode()
    assert fingerprint() == before


def test_an_out_of_scope_region_in_the_form_is_a_field_error_and_saves_nothing(editor):
    before = fingerprint()
    response = editor.post(f"/policy/parameters/{STANDARD}/versions/new/", {
        "region_code": GULOU, "value": "980", "effective_from": f().isoformat(), "citation": "x",
        "basis": "policy"})
    assert response.status_code == 400 and "鼓楼区 不在您的工作范围内" in response.content.decode()
    assert fingerprint() == before


def test_duration_and_band_forms(editor):
    html = editor.get("/policy/parameters/dibao.public_notice_period/versions/new/").content.decode()
    assert 'name="value_unit"' in html and "工作日" in html and "小时" not in html
    response = editor.post("/policy/parameters/dibao.public_notice_period/versions/new/", {
        "region_code": XUANWU, "value": "7", "value_unit": "calendar_days", "effective_from": f().isoformat(),
        "citation": "x", "basis": "policy"})
    assert response.status_code == 302
    assert live("dibao.public_notice_period", XUANWU)[0][2] == {"count": 7, "unit": "calendar_days"}
    bad = editor.post("/policy/parameters/temporary_assistance.band_emergency/versions/new/", {
        "region_code": XUANWU, "value_min": "4", "value_max": "2", "effective_from": f().isoformat(),
        "citation": "x", "basis": "policy"})
    assert bad.status_code == 400 and "区间下限不能大于上限" in bad.content.decode()


def test_withdrawing_through_the_page(editor):
    version = add(CEILING, XUANWU, "4", f())
    url = f"/policy/versions/{version.pk}/withdraw/"
    assert "待生效" in editor.get(url).content.decode()
    assert editor.post(url, {"reason": ""}).status_code == 400
    assert editor.post(url, {"reason": "文件推迟"}).status_code == 302
    version.refresh_from_db()
    assert version.withdrawn_at is not None
    in_force = ParameterVersion.objects.get(definition__name=STANDARD, region__code=NANJING)
    response = editor.get(f"/policy/versions/{in_force.pk}/withdraw/")
    assert response.status_code == 403  # Nanjing's version is outside a 玄武区 administrator's scope


def test_the_compare_page_marks_changes(editor):
    add(STANDARD, XUANWU, 99000, f())
    html = editor.get(f"/policy/compare/?region={XUANWU}&date_a=2024-03-01&date_b={f().isoformat()}"
                      "&changed_only=on").content.decode()
    assert "取值变化" in html and "990.00 元/人·月" in html and "945.00 元/人·月" in html
    assert "1 个参数" in html
    default = editor.get("/policy/compare/")
    assert default.status_code == 200
    assert date.today().isoformat()[:4] in default.content.decode()


def test_english_pages_use_the_english_labels_and_units(editor):
    editor.cookies["jijinan_language"] = "en"
    html = editor.get("/policy/").content.decode()
    assert "945.00 yuan per person per month" in html and "Dibao standard" in html
    detail = editor.get(f"/policy/parameters/{CEILING}/").content.decode()
    assert "× monthly dibao standard" in detail

"""The intake form: persons and households picked in a type-ahead (never typed), "start a case"
from their pages, every error at once with a summary, and refusals shown on the form with the
input kept; a stale version on a case page's action form keeps what was typed too."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AccessLog
from jijinan.cases.choices import SubjectKind
from jijinan.cases.models import Case
from jijinan.core.permissions import Role
from jijinan.registry.models import Household, HouseholdMember, Person
from jijinan.registry.services import PersonInput, person_create
from tests.permission_cases.registry import valid_id
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db

TOWNSHIP, VILLAGE, GULOU_VILLAGE = "320102002000", "320102002001", "320106001001"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


@pytest.fixture
def browser(clerk) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(clerk)
    return client


def _person(name: str, region: str, seq: int, *, phone: str | None = None) -> Person:
    return person_create(actor=None, data=PersonInput(name=name, residence_region_code=region, phone=phone,
                                                     id_number=valid_id(region[:6], "19660606", seq)))


def _household(head: Person) -> Household:
    household = Household.objects.create(region=head.residence_region)
    HouseholdMember.objects.create(household=household, person=head, relation="head")
    return household


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "window", "handling_region_code": VILLAGE, "subject_mode": "unidentified",
        "subject_name": "路人", "event_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "categories": ["accident"], "needs": ["medical"], "description": "摔伤后无人照料", "urgency": "normal",
        "reporter_name": "王五", "event_place": "中山路口"}
    data.update(overrides)
    return data


def _radios(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="(\d+)"', html)


# --- the type-ahead ----------------------------------------------------------------------------------
def test_the_person_picker_answers_masked_radios_in_scope_from_the_body(browser):  # type: ignore[no-untyped-def]
    mine = _person("赵建国", VILLAGE, 31)
    theirs = _person("赵建军", GULOU_VILLAGE, 32)
    response = browser.post("/registry/pick/persons/", {"person_q": "赵建"})
    html = response.content.decode()
    assert response.status_code == 200
    assert _radios(html, "person_id") == [str(mine.pk)] and str(theirs.pk) not in _radios(html, "person_id")
    number = valid_id("320102", "19660606", 31)
    assert number not in html and f"{number[0]}{'*' * 16}{number[-1]}" in html  # masked
    assert "示例社区" in html and "岁" in html
    # A query in the URL is not read: the picker takes the body only.
    assert _radios(browser.post("/registry/pick/persons/?person_q=赵建").content.decode(), "person_id") == []
    assert browser.get("/registry/pick/persons/").status_code == 405


def test_a_search_by_id_number_or_phone_is_in_the_access_log_and_a_name_is_not(browser):  # type: ignore[no-untyped-def]
    person = _person("钱多多", VILLAGE, 33, phone="13912340033")
    before = AccessLog.objects.count()
    browser.post("/registry/pick/persons/", {"person_q": "钱多"})
    assert AccessLog.objects.count() == before
    html = browser.post("/registry/pick/persons/", {"person_q": valid_id("320102", "19660606", 33)}).content.decode()
    assert _radios(html, "person_id") == [str(person.pk)]
    row = AccessLog.objects.latest("id")
    assert row.fields == ["id_number"] and row.subject_id == str(person.pk)
    assert valid_id("320102", "19660606", 33) not in (row.purpose + row.subject_label)
    browser.post("/registry/pick/persons/", {"person_q": "13912340033"})
    assert AccessLog.objects.latest("id").fields == ["phone"]


def test_the_household_picker_finds_households_through_their_members(browser):  # type: ignore[no-untyped-def]
    household = _household(_person("孙立平", VILLAGE, 34))
    _household(_person("孙立新", GULOU_VILLAGE, 35))
    html = browser.post("/registry/pick/households/", {"household_q": "孙立"}).content.decode()
    assert _radios(html, "household_id") == [str(household.pk)]
    assert "孙立平户" in html


def test_a_bad_query_says_why_and_nothing_found_says_so(browser):  # type: ignore[no-untyped-def]
    assert "没有找到" in browser.post("/registry/pick/persons/", {"person_q": "无此人"}).content.decode()


# --- the form ------------------------------------------------------------------------------------------
def test_the_form_has_no_typed_id_and_its_sections(browser):  # type: ignore[no-untyped-def]
    html = browser.get("/cases/new/").content.decode()
    assert 'name="person_id"' not in html and 'name="household_id"' not in html  # radios come from the picker
    assert 'hx-post="/registry/pick/persons/"' in html and 'hx-post="/registry/pick/households/"' in html
    for legend in ("来源与办理", "救助对象", "事件", "报告人", "工单", "附件"):
        assert f"<legend>{legend}</legend>" in html
    assert 'data-mode="new_person"' in html and 'data-mode="person"' in html


def test_a_person_chosen_in_the_picker_is_the_subject(browser):  # type: ignore[no-untyped-def]
    person = _person("周小川", VILLAGE, 36)
    response = browser.post("/cases/new/", _form(subject_mode="person", person_id=person.pk, client_key="pick-1"))
    case = Case.objects.get(client_key="pick-1")
    assert response.status_code == 302 and case.person == person and case.subject_kind == SubjectKind.PERSON


def test_without_script_the_find_button_searches_and_keeps_the_input(browser):  # type: ignore[no-untyped-def]
    person = _person("吴敬琏", VILLAGE, 37)
    before = Case.objects.count()
    response = browser.post("/cases/new/", _form(subject_mode="person", person_q="吴敬", find="person"))
    html = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == before
    assert _radios(html, "person_id") == [str(person.pk)] and "摔伤后无人照料" in html
    assert "data-error-summary" not in html


def test_start_a_case_from_a_person_page_preselects_them(browser, world):  # type: ignore[no-untyped-def]
    person = _person("郑和平", VILLAGE, 38)
    page = browser.get(f"/registry/persons/{person.pk}/").content.decode()
    assert f'href="/cases/new/?person={person.pk}"' in page and "发起救助" in page
    html = browser.get(f"/cases/new/?person={person.pk}").content.decode()
    assert re.search(rf'name="person_id" value="{person.pk}" data-draft-exclude checked', html)
    assert re.search(r'name="subject_mode" value="person"[^>]*checked', html)
    assert valid_id("320102", "19660606", 38) not in html
    outsider = _person("郑和安", GULOU_VILLAGE, 39)
    assert browser.get(f"/cases/new/?person={outsider.pk}").status_code == 404


def test_start_a_case_from_a_household_page_preselects_it(browser):  # type: ignore[no-untyped-def]
    household = _household(_person("冯友兰", VILLAGE, 40))
    page = browser.get(f"/registry/households/{household.pk}/").content.decode()
    assert f'href="/cases/new/?household={household.pk}"' in page
    html = browser.get(f"/cases/new/?household={household.pk}").content.decode()
    assert re.search(rf'name="household_id" value="{household.pk}" data-draft-exclude checked', html)
    other = _household(_person("冯友梅", GULOU_VILLAGE, 41))
    assert browser.get(f"/cases/new/?household={other.pk}").status_code == 404


def test_an_empty_form_gets_every_error_at_once_with_a_summary(browser):  # type: ignore[no-untyped-def]
    response = browser.post("/cases/new/", {"subject_mode": "new_person", "crisis": "on"})
    html = response.content.decode()
    assert response.status_code == 400
    summary = html[html.index("data-error-summary"):html.index("</div>", html.index("data-error-summary"))]
    assert 'role="alert"' in html[html.index('class="error-summary"') - 10:html.index("data-error-summary")]
    for anchor in ("#id_channel", "#id_handling_region_code", "#id_event_at", "#id_description",
                   "#id_subject_name", "#id_new_id_number", "#id_new_residence_region_code", "#id_crisis_note",
                   "#id_categories"):
        assert f'href="{anchor}"' in summary, anchor
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_description_error"' in html
    assert "标记危机个案时请写明危机情况" in html and "请至少选择一个急难类别" in html


def test_a_person_mode_without_a_choice_says_so_beside_the_picker(browser):  # type: ignore[no-untyped-def]
    html = browser.post("/cases/new/", _form(subject_mode="person")).content.decode()
    assert 'href="#id_person_id"' in html and "请在查找结果中选择救助对象" in html


def test_an_out_of_scope_township_is_refused_on_the_form_with_the_input_kept(browser):  # type: ignore[no-untyped-def]
    before = Case.objects.count()
    response = browser.post("/cases/new/", _form(handling_region_code=GULOU_VILLAGE, client_key="far-1"))
    html = response.content.decode()
    assert response.status_code == 400 and Case.objects.count() == before
    assert 'data-testid="intake-form"' in html and 'href="#id_handling_region_code"' in html
    assert "摔伤后无人照料" in html and "中山路口" in html and "王五" in html


def test_an_out_of_scope_person_is_refused_on_the_form_with_the_input_kept(browser):  # type: ignore[no-untyped-def]
    outsider = _person("陈独秀", GULOU_VILLAGE, 42)
    response = browser.post("/cases/new/", _form(subject_mode="person", person_id=outsider.pk))
    html = response.content.decode()
    assert response.status_code == 400
    assert "未找到该救助对象" in html and "摔伤后无人照料" in html and "陈独秀" not in html


# --- a stale version on the case page's action forms ----------------------------------------------------
def test_a_stale_version_keeps_the_input_and_offers_the_current_version(world, defaults):  # type: ignore[no-untyped-def]
    from jijinan.cases.intake.services import IntakeInput, case_intake

    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    reviewer = Client()
    reviewer.force_login(persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU))
    head = _person("王建设", TOWNSHIP, 43)
    case = case_intake(actor=clerk, data=IntakeInput(
        channel="window", handling_region_code=TOWNSHIP, event_at=timezone.now() - timedelta(hours=2),
        categories=["fire"], needs=["money"], description="住房失火", person_id=head.pk)).case
    form = {"review-version": case.version - 1 if case.version > 1 else case.version + 5,
            "review-opinion": "经入户调查，家中失火，情况属实", "review-requested_amount": "1000.00",
            "review-kind": "emergency", "review-severity": "general",
            "review-home_visit_on": timezone.localdate().isoformat(), "review-appraisal": "not_used"}
    stale = reviewer.post(f"/cases/{case.pk}/act/review/", form)
    html = stale.content.decode()
    assert stale.status_code == 409 and Case.objects.get(pk=case.pk).stage == case.stage
    assert "经入户调查，家中失火，情况属实" in html and "您填写的内容已保留" in html
    assert f'name="review-version" value="{case.version}"' in html  # sending it again is the user's decision
    again = reviewer.post(f"/cases/{case.pk}/act/review/", {**form, "review-version": case.version})
    assert again.status_code == 302 and Case.objects.get(pk=case.pk).stage != case.stage


def test_a_bad_phone_and_a_future_time_show_with_the_missing_fields(browser):  # type: ignore[no-untyped-def]
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = browser.post("/cases/new/", _form(description="", reporter_phone="12", event_at=future))
    html = response.content.decode()
    assert response.status_code == 400
    for anchor in ("#id_description", "#id_reporter_phone", "#id_event_at"):
        assert f'href="{anchor}"' in html, anchor
    assert "发生时间不能晚于现在" in html


def test_an_out_of_scope_household_is_refused_on_the_form_with_the_input_kept(browser):  # type: ignore[no-untyped-def]
    other = _household(_person("褚遂良", GULOU_VILLAGE, 44))
    before = Case.objects.count()
    response = browser.post("/cases/new/", _form(subject_mode="household", household_id=other.pk))
    html = response.content.decode()
    assert response.status_code == 400 and Case.objects.count() == before
    assert "未找到该家庭" in html and 'href="#id_household_id"' in html and "中山路口" in html
    assert "褚遂良" not in html

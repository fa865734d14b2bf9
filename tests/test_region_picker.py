"""The region picker: search by name and pinyin through its page URL, limited to the user's area and
to the levels a form needs, pre-filled with the user's own township, and the forms that use it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.cases.models import Case
from jijinan.core.permissions import Role
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

TOWNSHIP, VILLAGE = "320102002000", "320102002001"
GULOU_TOWNSHIP, GULOU_VILLAGE = "320106001000", "320106001001"
INTAKE_PICK = "/regions/pick/?name=handling_region_code&id=id_handling_region_code&levels=township,village" \
              "&action=cases.case.create"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str, **params: str) -> str:
    response = client.get(url + "&" + urlencode(params))
    assert response.status_code == 200
    return response.content.decode()


def _choices(html: str, name: str) -> list[str]:
    """The codes the page offers as radio inputs of ``name``."""
    return re.findall(rf'<input type="radio" id="[^"]+" name="{re.escape(name)}" value="(\d{{12}})"', html)


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" value="(\d{{12}})" checked', html)


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


@pytest.fixture
def township_clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=TOWNSHIP)


# --- the search -----------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["梅园", "meiyuan", "MeiYuan", "myxc", "xincun"])
def test_the_picker_finds_a_township_by_name_full_pinyin_or_initials(typed, clerk):  # type: ignore[no-untyped-def]
    html = _get(_client(clerk), INTAKE_PICK, handling_region_code__q=typed)
    assert _choices(html, "handling_region_code")[0] == TOWNSHIP
    # The path is the label, never the code.
    assert "南京市 玄武区 梅园新村街道" in html and f">{TOWNSHIP}<" not in html


def test_the_search_keeps_to_the_users_area(clerk):  # type: ignore[no-untyped-def]
    client = _client(clerk)
    ours = _get(client, INTAKE_PICK, handling_region_code__q="社区")
    assert _choices(ours, "handling_region_code") == [VILLAGE]
    theirs = _get(client, INTAKE_PICK, handling_region_code__q="ninghai")
    assert _choices(theirs, "handling_region_code") == []
    assert "不在您的工作范围内" in theirs
    nothing = _get(client, INTAKE_PICK, handling_region_code__q="没有这个地方")
    assert _choices(nothing, "handling_region_code") == [] and "没有与“没有这个地方”相符的" in nothing


def test_the_public_search_covers_everywhere_and_only_the_levels_asked(world):  # type: ignore[no-untyped-def]
    client = Client()
    url = "/regions/pick/?name=handling_region_code&id=id_handling_region_code&levels=township,village"
    html = _get(client, url, handling_region_code__q="街道")
    assert sorted(_choices(html, "handling_region_code")) == [TOWNSHIP, GULOU_TOWNSHIP]
    counties = _get(client, url.replace("township,village", "county"), handling_region_code__q="区")
    assert sorted(_choices(counties, "handling_region_code")) == [XUANWU, GULOU]
    # An action limits the search to a signed-in user's area: a visitor has none.
    limited = _get(client, INTAKE_PICK, handling_region_code__q="街道")
    assert _choices(limited, "handling_region_code") == []


def test_the_search_keeps_the_current_choice_first(clerk):  # type: ignore[no-untyped-def]
    html = _get(_client(clerk), INTAKE_PICK, handling_region_code__q="社区", handling_region_code=TOWNSHIP)
    assert _choices(html, "handling_region_code") == [TOWNSHIP, VILLAGE]
    assert _checked(html, "handling_region_code") == [TOWNSHIP]


def test_a_malformed_search_is_refused(clerk):  # type: ignore[no-untyped-def]
    client = _client(clerk)
    assert client.get("/regions/pick/?name=x&id=y&levels=").status_code == 400
    assert client.get("/regions/pick/?name=x&id=y&levels=county&action=no.such").status_code == 400


# --- the intake form ------------------------------------------------------------------------------
def _intake_form(**overrides: Any) -> dict[str, Any]:
    form = {"channel": "window", "handling_region_code": TOWNSHIP, "subject_mode": "unidentified",
            "subject_name": "路人甲", "event_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "categories": ["accident"], "needs": ["medical"], "description": "在路边摔伤，无人照看",
            "urgency": "normal", "client_key": "picker-1"}
    form.update(overrides)
    return form


def test_the_intake_form_is_prefilled_with_the_users_own_township(township_clerk, clerk, world):  # type: ignore[no-untyped-def]
    html = _client(township_clerk).get("/cases/new/").content.decode()
    assert _checked(html, "handling_region_code") == [TOWNSHIP]
    assert "南京市 玄武区 梅园新村街道" in html
    assert '<label for="id_handling_region_code_q">' in html
    # A user whose area holds two townships gets no guess.
    world.gulou_grant.delete()
    both = persona(world, Role.WINDOW_CLERK, at="320100000000")
    assert _checked(_client(both).get("/cases/new/").content.decode(), "handling_region_code") == []


def test_the_intake_form_takes_the_picked_township(clerk):  # type: ignore[no-untyped-def]
    response = _client(clerk).post("/cases/new/", _intake_form())
    case = Case.objects.get(client_key="picker-1")
    assert response.status_code == 302 and case.handling_region.code == TOWNSHIP


def test_an_out_of_area_township_is_a_field_error_that_keeps_the_input(clerk):  # type: ignore[no-untyped-def]
    before = Case.objects.count()
    response = _client(clerk).post("/cases/new/", _intake_form(handling_region_code=GULOU_TOWNSHIP,
                                                               handling_region_code__q="宁海"))
    html = response.content.decode()
    assert response.status_code == 400 and Case.objects.count() == before
    assert "宁海路街道 不在您的工作范围内" in html
    assert "在路边摔伤，无人照看" in html and 'value="宁海"' in html
    assert _checked(html, "handling_region_code") == []


def test_a_county_is_refused_where_a_township_is_asked(clerk):  # type: ignore[no-untyped-def]
    response = _client(clerk).post("/cases/new/", _intake_form(handling_region_code=XUANWU))
    assert response.status_code == 400
    assert "请选择乡镇（街道）或村（社区），玄武区 是县（区）" in response.content.decode()


def test_a_search_typed_but_not_chosen_shows_its_results_without_script(clerk):  # type: ignore[no-untyped-def]
    response = _client(clerk).post("/cases/new/", _intake_form(handling_region_code="",
                                                               handling_region_code__q="meiyuan"))
    html = response.content.decode()
    assert response.status_code == 400 and "请在查找结果中选择一项" in html
    assert _choices(html, "handling_region_code") == [TOWNSHIP]


def test_the_new_persons_residence_is_picked_too(clerk):  # type: ignore[no-untyped-def]
    response = _client(clerk).post("/cases/new/", _intake_form(
        subject_mode="new_person", subject_name="钱新来", new_id_unknown="on",
        new_residence_region_code=GULOU_VILLAGE))
    assert response.status_code == 400 and "另一社区 不在您的工作范围内" in response.content.decode()
    response = _client(clerk).post("/cases/new/", _intake_form(
        subject_mode="new_person", subject_name="钱新来", new_id_unknown="on", new_residence_region_code=VILLAGE))
    assert response.status_code == 302
    assert Case.objects.get(client_key="picker-1").person.residence_region.code == VILLAGE


# --- every form that took a typed code -----------------------------------------------------------
@pytest.mark.parametrize(("url", "name"), [
    ("/cases/new/", "handling_region_code"),
    ("/cases/new/", "new_residence_region_code"),
    ("/cases/apply/", "handling_region_code"),
    ("/cases/on-call/", "county_code"),
    ("/cases/queue/", "region"),
    ("/cases/overdue/", "region"),
    ("/cases/public-notices/", "region"),
    ("/policy/parameters/dibao.standard_monthly/versions/new/", "region_code"),
    ("/policy/calculator/", "region_code"),
    ("/exchange/upload/", "region_code"),
    ("/referrals/matrix/new/", "region_code"),
    ("/registry/persons/", "region"),
    ("/registry/persons/new/", "residence_region_code"),
    ("/registry/persons/new/", "registered_region_code"),
    ("/registry/households/", "region"),
    ("/registry/households/new/", "region_code"),
    ("/verification/", "region"),
    ("/accounts/organisations/", "region"),
    ("/accounts/organisations/new/", "region_code"),
    ("/accounts/staff/{staff}/", "region_code"),
    ("/regions/320102000000/", "successor_code"),
])
def test_every_form_that_took_a_typed_code_offers_the_picker(url, name, admin_session, world, defaults):  # type: ignore[no-untyped-def]
    html = admin_session.get(url.format(staff=world.xuanwu_staff.pk)).content.decode()
    assert f'name="{name}__q"' in html and f'hx-get="/regions/pick/?name={name}' in html
    assert re.search(rf'<label for="[^"]*{name}_q">', html), "the search box has a label"
    assert f'<input type="text" name="{name}"' not in html


def _search_page_choices(client: Client, url: str, name: str, typed: str) -> list[str]:
    """Without script: the form sent with a typed search and no choice shows the results."""
    response = client.get(url, {f"{name}__q": typed})
    return _choices(response.content.decode(), name)


def test_the_notice_board_finds_its_township_by_name_without_script(world):  # type: ignore[no-untyped-def]
    assert _search_page_choices(Client(), "/cases/public-notices/", "region", "梅园") == [TOWNSHIP]
    assert _search_page_choices(Client(), "/cases/public-notices/", "region", "xuanwu") == [XUANWU]
    page = Client().get("/cases/public-notices/", {"region": TOWNSHIP}).content.decode()
    assert "救助公示：梅园新村街道" in page and _checked(page, "region") == [TOWNSHIP]


def test_the_queue_filter_keeps_to_the_users_area(clerk):  # type: ignore[no-untyped-def]
    client = _client(clerk)
    assert client.get("/cases/queue/", {"region": TOWNSHIP}).status_code == 200
    response = client.get("/cases/queue/", {"region": GULOU_TOWNSHIP})
    assert response.status_code == 400 and "宁海路街道 不在您的工作范围内" in response.content.decode()


def test_the_duty_rota_offers_the_countys_staff_by_name(world):  # type: ignore[no-untyped-def]
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    html = _client(approver).get("/cases/on-call/").content.decode()
    assert f'<option value="{world.xuanwu_staff.pk}">{world.xuanwu_staff.full_name}（玄武区民政局）</option>' in html
    assert world.gulou_staff.full_name not in html
    assert _checked(html, "county_code") == [XUANWU]  # the one county of the area, pre-filled


def test_an_office_is_placed_in_the_admins_area_only(world):  # type: ignore[no-untyped-def]
    from jijinan.accounts.models import Organisation

    admin = _client(persona(world, Role.ADMINISTRATOR, at=XUANWU))
    form = {"kind": "department_office", "name": "玄武区教育局", "department_type": "education"}
    refused = admin.post("/accounts/organisations/new/", {**form, "region_code": GULOU})
    assert refused.status_code == 400 and "鼓楼区 不在您的工作范围内" in refused.content.decode()
    assert 'value="玄武区教育局"' in refused.content.decode()
    assert admin.post("/accounts/organisations/new/", {**form, "region_code": XUANWU}).status_code == 302
    assert Organisation.objects.get(name="玄武区教育局").region.code == XUANWU


def test_a_handover_colleague_is_chosen_by_name(world):  # type: ignore[no-untyped-def]
    from jijinan.accounts.models import User

    admin = _client(persona(world, Role.ADMINISTRATOR, at=XUANWU))
    leaving = persona(world, Role.WINDOW_CLERK, at=TOWNSHIP)
    page = admin.get(f"/accounts/staff/{leaving.pk}/").content.decode()
    assert f'<option value="{world.xuanwu_staff.pk}">{world.xuanwu_staff.full_name}（玄武区民政局）</option>' in page
    assert world.gulou_staff.full_name not in page
    outsider = admin.post(f"/accounts/staff/{leaving.pk}/deactivate/", {
        "reason": "调离", "handover_to": world.gulou_staff.pk, "version": leaving.version})
    assert outsider.status_code == 302 and User.objects.get(pk=leaving.pk).is_active
    response = admin.post(f"/accounts/staff/{leaving.pk}/deactivate/", {
        "reason": "调离", "handover_to": world.xuanwu_staff.pk, "version": leaving.version})
    assert response.status_code == 302 and not User.objects.get(pk=leaving.pk).is_active


def test_a_person_lives_in_the_clerks_area_only(clerk):  # type: ignore[no-untyped-def]
    from jijinan.registry.models import Person

    client = _client(clerk)
    form = {"name": "赵小明", "id_unknown": "on", "employment": "unknown", "education": "unknown"}
    refused = client.post("/registry/persons/new/", {**form, "residence_region_code": GULOU_VILLAGE})
    assert refused.status_code == 400 and "另一社区 不在您的工作范围内" in refused.content.decode()
    # 户籍地 may lie anywhere; the residence must be the clerk's.
    response = client.post("/registry/persons/new/", {**form, "residence_region_code": VILLAGE,
                                                      "registered_region_code": GULOU_VILLAGE})
    assert response.status_code == 302
    person = Person.objects.get(name="赵小明")
    assert (person.residence_region.code, person.registered_region_code) == (VILLAGE, GULOU_VILLAGE)


def test_a_household_is_registered_in_the_clerks_area_only(clerk):  # type: ignore[no-untyped-def]
    response = _client(clerk).post("/registry/households/new/", {
        "head": "1", "region_code": GULOU_VILLAGE, "monthly_income": "0", "financial_assets": "0", "vehicles": "0"})
    assert response.status_code == 400 and "另一社区 不在您的工作范围内" in response.content.decode()


def test_an_import_is_for_a_region_of_the_importers_area(world):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    approver = _client(persona(world, Role.COUNTY_APPROVER, at=XUANWU))
    response = approver.post("/exchange/upload/", {
        "source": "persons", "region_code": GULOU, "mode": "all_or_nothing",
        "file": SimpleUploadedFile("名册.csv", "姓名\n张三\n".encode(), content_type="text/csv")})
    assert response.status_code == 400 and "鼓楼区 不在您的工作范围内" in response.content.decode()


def test_the_verification_list_is_narrowed_within_the_area(world):  # type: ignore[no-untyped-def]
    client = _client(persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU))
    assert client.get("/verification/", {"region": TOWNSHIP}).status_code == 200
    refused = client.get("/verification/", {"region": GULOU})
    assert refused.status_code == 400 and "鼓楼区 不在您的工作范围内" in refused.content.decode()


def test_a_referral_rule_is_limited_to_a_picked_region(world):  # type: ignore[no-untyped-def]
    from tests.world import PROVINCE

    admin = _client(persona(world, Role.ADMINISTRATOR, at=PROVINCE))
    html = admin.get("/referrals/matrix/new/").content.decode()
    assert _checked(html, "region_code") == []  # left empty: the whole province
    found = _get(admin, "/regions/pick/?name=region_code&id=id_region_code&levels=province,city,county,township,village"
                 "&action=referrals.matrix.manage", region_code__q="gulou")
    assert _choices(found, "region_code") == [GULOU]


def test_the_picker_speaks_english_in_english(clerk):  # type: ignore[no-untyped-def]
    client = _client(clerk)
    client.cookies["jijinan_language"] = "en"
    html = client.get("/cases/new/").content.decode()
    assert "Type a name or pinyin" in html and "输入名称或拼音" not in html
    found = _get(client, INTAKE_PICK, handling_region_code__q="ninghai")
    assert "are outside your area" in found
    refused = client.post("/cases/new/", _intake_form(handling_region_code=GULOU_TOWNSHIP))
    assert refused.status_code == 400 and "宁海路街道 is outside your area" in refused.content.decode()

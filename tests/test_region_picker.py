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

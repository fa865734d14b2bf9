"""Journey: a township reviewer on a phone finds a person by the last 6 characters of the ID number,
by the given name and by a street, and is told when nobody matches; the number never enters the
address bar. Every page is checked with axe-core and for sideways scrolling."""

from __future__ import annotations

import pytest

from e2e.conftest import check_page, ready, seed_again, sign_in
from jijinan.registry import services
from jijinan.registry.choices import Relation
from tests.permission_cases.registry import valid_id
from tests.world import XUANWU, build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VILLAGE = "320102002001"
NUMBER = valid_id("320102", "19800512", 345)


def _setup() -> str:
    seed_again()
    world = build_world()
    user = persona(world, "township_reviewer", at=XUANWU)
    ready(user)
    person = services.person_create(actor=None, data=services.PersonInput(
        name="王建国", residence_region_code=VILLAGE, id_number=NUMBER, phone="13812340246",
        residence_address="梅园新村长江路18号"))
    services.household_create(actor=None, data=services.HouseholdInput(region_code=VILLAGE, address="长江路18号"),
                              members=[services.MemberInput(person=person, relation=Relation.HEAD)])
    return str(user.username)


def _search(page, q: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("[data-testid=person-search] input[name=q]", q)
    page.click("[data-testid=person-search] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_person_is_found_by_the_end_of_the_id_number_a_given_name_and_a_street(page, language):
    username = _setup()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, username)
    if language == "en":
        page.goto(page.base_url + "/")
        page.click("[data-testid=lang-en]")
        page.wait_for_load_state()
    page.goto(page.base_url + "/registry/persons/")
    _search(page, NUMBER[-6:])
    results = page.locator("[data-testid=person-results]")
    assert results.locator("a", has_text="王建国").is_visible()
    assert NUMBER[-6:] not in page.url and NUMBER not in page.content()
    check_page(page, f"people-search-id-tail-{language}")

    _search(page, "建国")
    assert results.locator("a", has_text="王建国").is_visible()
    _search(page, "长江路")
    assert results.locator("a", has_text="王建国").is_visible()

    _search(page, "欧阳修文")
    none = page.locator("[data-testid=person-none]")
    assert none.is_visible()
    assert ("没有找到符合条件的救助对象" if language == "zh-hans" else "No person matches") in none.inner_text()
    check_page(page, f"people-search-none-{language}")

    _search(page, NUMBER[:-1])
    assert page.locator(".alert-error").is_visible()
    check_page(page, f"people-search-bad-number-{language}")

    page.goto(page.base_url + "/registry/households/")
    page.fill("[data-testid=household-search] input[name=q]", "长江路")
    page.click("[data-testid=household-search] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=household-results] a", has_text="王建国").is_visible()
    check_page(page, f"people-search-households-{language}")

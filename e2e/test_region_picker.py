"""The region picker on a phone: a window clerk types a township's pinyin into the intake form,
picks it from the results and the form keeps the choice."""

from __future__ import annotations

import pytest

from e2e.conftest import check_page, ready, seed_again, sign_in
from tests.world import build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NANJING, MEIYUAN, GULOU_TOWNSHIP = "320100000000", "320102002000", "320106001000"


def test_a_clerk_picks_the_township_by_its_pinyin_on_a_phone(page):  # type: ignore[no-untyped-def]
    seed_again()
    world = build_world()
    clerk = persona(world, "window_clerk", at=NANJING)  # two townships in the area: nothing is guessed
    ready(clerk)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, clerk.username)
    page.goto(page.base_url + "/cases/new/")
    assert page.locator("input[name=handling_region_code]:checked").count() == 0

    box = page.get_by_label("办理乡镇（街道）")
    box.press_sequentially("meiyuan", delay=30)
    choice = page.locator(f"input[name=handling_region_code][value='{MEIYUAN}']")
    choice.wait_for()
    assert page.locator(f"input[name=handling_region_code][value='{GULOU_TOWNSHIP}']").count() == 0
    assert "南京市 玄武区 梅园新村街道" in page.locator("#id_handling_region_code_results").inner_text()
    # By keyboard: from the search box to the result, and choose it.
    box.press("Tab")
    page.keyboard.press("Space")
    assert choice.is_checked()
    assert page.locator("#id_handling_region_code_status").inner_text().startswith("找到")
    assert page.console_errors == []  # nothing blocked by the Content-Security-Policy
    check_page(page, "region-picker-intake-390")

    # A name that matches nothing says so.
    box.fill("")
    box.press_sequentially("zzzz", delay=30)
    page.wait_for_selector("#id_handling_region_code_status:has-text('没有与')")
    assert choice.is_checked()  # the choice stays while the user searches again

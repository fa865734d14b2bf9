"""Journey: open the home page, switch the language, sign in, look at it on a phone."""

from __future__ import annotations

import pytest

from e2e.conftest import screenshot
from jijinan.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_switch_language_and_sign_in(page):
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "急难社会救助工作平台"
    assert screenshot(page, "home-zh").stat().st_size > 5_000

    page.click("[data-testid=lang-en]")
    page.wait_for_url(page.base_url + "/")
    assert page.locator("h1").inner_text() == "Emergency social assistance platform"
    page.reload()  # the choice persists
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")

    User.objects.create_superuser(username="e2e-admin", password="e2e-password-123", email="")
    page.click("text=Sign in")
    page.fill("input[name=username]", "e2e-admin")
    page.fill("input[name=password]", "e2e-password-123")
    page.click("button[type=submit].button-primary")
    page.wait_for_selector("text=System status")
    assert page.locator("h1").inner_text() == "Workbench"
    # The home page opens with the crises of the user's area (for those who answer for them), then
    # what is due (the user's own, then the area's deadlines board), then what waits for the user.
    assert page.locator("h2").first.inner_text() == "Crisis cases 0"
    assert page.locator("h2").nth(1).inner_text() == "Due today and overdue 0"
    assert page.locator("h2").nth(2).inner_text() == "Deadlines board 0"
    assert page.locator("h2").nth(3).inner_text() == "Work queue 0"
    api_docs = page.locator("nav >> text=API docs")
    assert not api_docs.is_visible()  # inside the System group's drop-down
    page.click("nav summary:has-text('System')")
    assert api_docs.is_visible()
    screenshot(page, "home-signed-in")
    assert page.console_errors == []  # nothing blocked by the Content-Security-Policy


def test_phone_layout_collapses_the_menu(page):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(page.base_url + "/")
    nav_link = page.locator("nav >> text=首页")
    assert not nav_link.is_visible()
    page.click("button.menu-button")
    assert nav_link.is_visible()
    assert page.locator("button.menu-button").get_attribute("aria-expanded") == "true"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # no horizontal scrolling on a phone
    screenshot(page, "home-phone")

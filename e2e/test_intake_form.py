"""The intake form in the browser: sections by subject mode, the person type-ahead, the error
summary taking the focus, and the draft kept in the browser (never an ID number, a phone, the
description or crisis detail), restored on return, cleared on submit and on sign-out."""

from __future__ import annotations

import json

import pytest

from e2e.conftest import check_page, ready, seed_again, sign_in, sign_out
from tests.test_cases import TOWNSHIP, _person
from tests.world import XUANWU, build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DRAFT = "jijinan:draft:intake"


def _clerk() -> str:
    seed_again()
    world = build_world()
    user = persona(world, "window_clerk", at=XUANWU)
    ready(user)
    return str(user.username)


def _draft(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate(f"localStorage.getItem('{DRAFT}')")


def test_the_intake_form_on_a_phone_sections_picker_and_draft(page):  # type: ignore[no-untyped-def]
    username = _clerk()
    person = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, username)
    page.goto(page.base_url + "/cases/new/")
    check_page(page, "intake-form-390")

    # Sections by mode: only what the chosen subject needs shows.
    assert page.locator("[data-testid=person-picker]").is_hidden()
    assert page.locator("input[name=subject_description]").is_visible()
    page.check("input[name=subject_mode][value=person]")
    assert page.locator("[data-testid=person-picker]").is_visible()
    assert page.locator("input[name=subject_description]").is_hidden()
    page.fill("input[name=person_q]", "王建")
    page.locator(f"input[name=person_id][value='{person.pk}']").wait_for()
    assert "3****************" in page.locator("[data-testid=person-picker]").inner_text()
    check_page(page, "intake-form-390-picker")

    # A draft: kept while typing, without the protected and health fields.
    page.check("input[name=subject_mode][value=unidentified]")
    page.fill("input[name=subject_name]", "路人甲")
    page.fill("input[name=event_place]", "中山路口")
    page.fill("input[name=reporter_name]", "王五")
    page.fill("input[name=reporter_phone]", "13800138000")
    page.fill("textarea[name=description]", "腿部骨折，无人照料")
    page.check("input[name=crisis]")
    page.fill("input[name=crisis_note]", "有轻生念头")
    draft = _draft(page)
    assert draft is not None and "王五" in draft
    for secret in ("13800138000", "腿部骨折", "轻生", "王建", "csrfmiddlewaretoken", "client_key"):
        assert secret not in draft, secret
    assert "crisis" not in json.loads(draft)

    page.reload()
    notice = page.locator("[data-draft-notice]")
    assert notice.is_visible() and "已恢复未提交的草稿" in notice.inner_text()
    assert page.input_value("input[name=subject_name]") == "路人甲"
    assert page.input_value("input[name=reporter_name]") == "王五"
    assert page.input_value("input[name=event_place]") == "中山路口"
    assert page.input_value("input[name=reporter_phone]") == ""
    assert page.input_value("textarea[name=description]") == ""
    assert page.input_value("input[name=crisis_note]") == "" and not page.is_checked("input[name=crisis]")
    check_page(page, "intake-form-390-draft-restored")

    # Discarding it empties the form.
    page.click("[data-draft-discard]")
    assert _draft(page) is None and notice.is_hidden()
    assert page.input_value("input[name=reporter_name]") == ""

    # Submitting clears the draft; the form comes back with every error and the summary in focus.
    page.fill("input[name=reporter_name]", "王五")
    assert _draft(page) is not None
    page.click("form[data-testid=intake-form] button[type=submit].button-primary")
    page.wait_for_load_state()
    assert _draft(page) is None
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator("[data-error-summary] li").count() >= 3  # the township is pre-filled
    assert page.input_value("input[name=reporter_name]") == "王五"
    check_page(page, "intake-form-390-errors")

    # "Start a case" from a person's page: the person wins over the draft kept.
    page.fill("input[name=event_place]", "北京东路")
    assert _draft(page) is not None
    page.goto(page.base_url + f"/registry/persons/{person.pk}/")
    page.click("[data-testid=person-links] a:has-text('发起救助')")
    page.wait_for_load_state()
    assert page.is_checked(f"input[name=person_id][value='{person.pk}']")
    assert page.is_checked("input[name=subject_mode][value=person]")
    assert page.locator("[data-draft-notice]").is_hidden() and page.input_value("input[name=event_place]") == ""

    # Signing out clears every draft of the site.
    page.fill("input[name=event_place]", "北京东路")
    assert _draft(page) is not None
    page.evaluate("localStorage.setItem('jijinan:draft:other', '{}')")
    page.locator("button.menu-button").click() if page.locator("button.menu-button").is_visible() else None
    sign_out(page)
    assert _draft(page) is None and page.evaluate("localStorage.getItem('jijinan:draft:other')") is None

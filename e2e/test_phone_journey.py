"""Journey on a 390×844 phone, in Chinese and in English: a window clerk takes a new request from the
home page to the case page using only the menu, pickers and buttons (the township is pre-filled, the
person is found by name in the type-ahead: no code or id is typed); the township reviewer opens the
case from their home page and reviews it; the township lead opens it from theirs and approves it.
Every page visited passes axe-core (no serious or critical violation) and fits the screen; the
screenshots are kept under e2e-artifacts/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from e2e.conftest import JOURNEY_PASSWORD, check_page
from e2e.test_case_journey import _setup as journey_setup
from jijinan.cases.choices import Stage
from jijinan.cases.models import Case
from tests.test_cases import TOWNSHIP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# The words of the buttons and menu groups the journey clicks, in each language.
WORDS = {
    "zh-hans": {"cases": "个案", "intake": "受理登记"},
    "en": {"cases": "Cases", "intake": "Intake"},
}


def _sign_in(page, username: str, lang: str, shot: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/accounts/login/")
    if lang == "en" and page.locator("[data-testid=lang-en]").is_enabled():
        page.click("[data-testid=lang-en]")
        page.wait_for_load_state()
    check_page(page, f"{shot}-login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", JOURNEY_PASSWORD)
    page.click("button[type=submit].button-primary")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == page.base_url, page.url  # the home page
    check_page(page, f"{shot}-home")


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("form[data-clears-drafts] button[type=submit]")
    page.wait_for_load_state()


def _open_case_from_home(page, case: Case, shot: str) -> None:  # type: ignore[no-untyped-def]
    """The home page lists the case as work waiting on this user; its link opens it."""
    page.locator(f"main a[href='/cases/{case.pk}/']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/cases/{case.pk}/")
    check_page(page, shot)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_intake_goes_from_the_home_page_to_a_decision_on_a_phone(browser, live_server, lang):  # type: ignore[no-untyped-def]
    setup = journey_setup()  # the window journey's people and family
    people, head = setup["people"], setup["head"]
    assert isinstance(people, dict)
    words = WORDS[lang]
    context = browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh-hans" else "en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.base_url = live_server.url
    shot = f"phone-{lang}"
    try:
        # The window clerk: home page → menu → intake.
        _sign_in(page, people["window_clerk"].username, lang, f"{shot}-1-clerk")
        page.click("[data-menu-toggle]")
        page.locator("nav.menu summary", has_text=words["cases"]).click()
        page.locator("nav.menu a", has_text=words["intake"]).first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/cases/new/")
        check_page(page, f"{shot}-1-clerk-intake-form")

        form = page.locator("form[data-testid=intake-form]")
        form.locator("select[name=channel]").select_option("window")
        # The clerk's own township is already chosen in the region picker.
        assert form.locator(f"input[name=handling_region_code][value='{TOWNSHIP}']").is_checked()
        form.locator("input[name=subject_mode][value=person]").check()
        form.locator("input[name=person_q]").fill("王建国")  # a name, not an id: the type-ahead answers
        person = form.locator(f"input[name=person_id][value='{head.pk}']")  # type: ignore[attr-defined]
        person.wait_for()
        found = form.locator("[data-testid=picker-results-person_id]").inner_text()
        assert "王建国" in found and "*" * 16 in found and head.id_number.reveal() not in found  # type: ignore[attr-defined]
        person.check()
        form.locator("input[name=categories][value=fire]").check()
        form.locator("input[name=needs][value=money]").check()
        form.locator("textarea[name=description]").fill("凌晨家中失火，房屋烧毁，一家两口无处居住")
        check_page(page, f"{shot}-1-clerk-intake-filled")
        form.locator("button[type=submit].button-primary").click()
        page.wait_for_load_state()
        case = Case.objects.get(person_id=head.pk)  # type: ignore[attr-defined]
        assert case.stage == Stage.ACCEPTED and page.url.endswith(f"/cases/{case.pk}/")
        assert "王建国" in page.locator("[data-testid=case-summary]").inner_text()
        check_page(page, f"{shot}-1-clerk-case")
        _sign_out(page)

        # The township reviewer: the case waits on their home page; they review it.
        _sign_in(page, people["township_reviewer"].username, lang, f"{shot}-2-reviewer")
        _open_case_from_home(page, case, f"{shot}-2-reviewer-case")
        review = page.locator("[data-testid=action-review]")
        review.locator("[name='review-opinion']").fill("经入户调查，房屋烧毁属实")
        review.locator("[name='review-requested_amount']").fill("1000")
        review.locator("[name='review-home_visit_on']").fill(timezone.localdate().isoformat())
        review.locator("button[type=submit]").click()
        page.wait_for_load_state()
        case.refresh_from_db()
        assert case.stage == Stage.REVIEWED, page.locator("[role=alert], .field-error").all_inner_texts()
        check_page(page, f"{shot}-2-reviewer-reviewed")
        _sign_out(page)

        # The township lead: the reviewed case waits on their home page; they approve it.
        _sign_in(page, people["township_lead"].username, lang, f"{shot}-3-lead")
        _open_case_from_home(page, case, f"{shot}-3-lead-case")
        page.locator("[data-testid=action-approve] button[type=submit]").click()
        page.wait_for_load_state()
        case.refresh_from_db()
        assert case.stage == Stage.APPROVED, page.locator("[role=alert], .field-error").all_inner_texts()
        check_page(page, f"{shot}-3-lead-approved")
        assert errors == []
    finally:
        context.close()

"""Journey: a window clerk takes up a family after a fire; the township reviewer pays at once (先行救助),
then does the make-up review; the township lead does the make-up approval; the reviewer records the
follow-up and closes the case. Every step goes through the pages, with screenshots."""

from __future__ import annotations

import pytest
from django.utils import timezone

from e2e.conftest import JOURNEY_PASSWORD, ready, screenshot, seed_again, sign_in, sign_out
from jijinan.cases.choices import Stage
from jijinan.cases.models import Case, CaseAid
from tests.test_cases import TOWNSHIP, _household, _person
from tests.world import XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = JOURNEY_PASSWORD


def _act(page, name: str, fields: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Fill and submit the form of one move on the case page."""
    card = page.locator(f"[data-testid=action-{name}]")
    for field, value in (fields or {}).items():
        card.locator(f"[name='{name}-{field}']").fill(value)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    people = {role: ready(persona(world, role, at=XUANWU))
              for role in ("window_clerk", "township_reviewer", "township_lead")}
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    _household(head, _person("李秀英", TOWNSHIP, 12))
    return {"people": people, "head": head}


def test_a_window_intake_goes_through_fast_track_aid_to_closure(page):  # type: ignore[no-untyped-def]
    setup = _setup()
    people, head = setup["people"], setup["head"]
    assert isinstance(people, dict)

    # The window clerk takes the family up.
    sign_in(page, people["window_clerk"].username)
    page.goto(page.base_url + "/cases/new/")
    page.select_option("select[name=channel]", value="window")
    page.check(f"input[name=handling_region_code][value='{TOWNSHIP}']")  # the clerk's own township, pre-filled
    page.check("input[name=subject_mode][value=person]")
    page.fill("input[name=person_q]", "王建国")  # the type-ahead answers with radio inputs
    page.check(f"input[name=person_id][value='{head.pk}']")  # type: ignore[attr-defined]
    page.fill("input[name=event_at]", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=categories][value=fire]")
    page.check("input[name=needs][value=money]")
    page.fill("textarea[name=description]", "凌晨家中失火，房屋烧毁，一家两口无处居住")
    page.click("form[data-testid=intake-form] button[type=submit].button-primary")
    page.wait_for_load_state()
    case = Case.objects.get(person_id=head.pk)  # type: ignore[attr-defined]
    assert case.stage == Stage.ACCEPTED and page.url.endswith(f"/cases/{case.pk}/")
    screenshot(page, "journey-1-intake")
    sign_out(page)

    # The township reviewer pays at once, then reviews as make-up paperwork.
    sign_in(page, people["township_reviewer"].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    _act(page, "fast_track", {"amount": "1500", "note": "火灾当晚先行支付"})
    page.wait_for_selector("[data-testid=paperwork-owed]")
    screenshot(page, "journey-2-fast-track")
    _act(page, "makeup_review", {"opinion": "经入户调查，房屋烧毁属实", "requested_amount": "1500",
                                 "home_visit_on": timezone.localdate().isoformat()})
    _act(page, "follow_up")
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP and case.paperwork_owed
    sign_out(page)

    # The township lead approves what was paid first.
    sign_in(page, people["township_lead"].username)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    _act(page, "makeup_approve")
    case.refresh_from_db()
    assert not case.paperwork_owed
    screenshot(page, "journey-3-makeup-approved")
    sign_out(page)

    # The reviewer calls back, records the follow-up and closes the case.
    sign_in(page, people["township_reviewer"].username)
    page.goto(page.base_url + f"/cases/{case.pk}/follow-up/")
    page.select_option("select[name=method]", value="phone")
    page.fill("input[name=done_on]", timezone.localdate().isoformat())
    page.fill("textarea[name=outcome]", "已租到临时住房，生活安定")
    page.select_option("select[name=satisfaction]", value="5")
    page.select_option("select[name=need_resolved]", value="yes")
    page.click("form[data-testid=follow-up-form] button[type=submit].button-primary")
    page.wait_for_selector("[data-testid=workflow-follow-ups]")
    # The matrix sends a money need after a fire to emergency management; no task was opened, so
    # closing asks why.
    page.wait_for_selector("[data-testid=action-close] [name='close-reason']")
    _act(page, "close", {"reason": "火灾救助已由乡镇先行支付并补办手续，无需再转办"})
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.closed_at is not None
    assert CaseAid.objects.get(case=case).amount_fen == 150000
    screenshot(page, "journey-4-closed")
    assert page.console_errors == []

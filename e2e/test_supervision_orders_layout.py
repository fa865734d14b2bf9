"""The 督办 order pages fit a 390-pixel phone and pass axe-core, in Chinese and in English: the
supervisor's list, search, open form, an answered order with its review form and the case page's
section; the department handler's orders to answer and an open order with its answer form."""

from __future__ import annotations

import pytest

from e2e.conftest import check_page, ready, seed_again, sign_in
from jijinan.core.permissions import Role
from jijinan.supervision.orders import selectors, services
from tests.world import GULOU, XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_the_order_pages_fit_a_phone_and_pass_axe_in_both_languages(browser, live_server):  # type: ignore[no-untyped-def]
    from tests.test_supervision_orders import _case, make_offices

    seed_again()
    world = build_world()
    load_policy_defaults()
    make_offices(world)
    supervisor = ready(persona(world, Role.SUPERVISOR, at=XUANWU))
    handler = ready(persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU))
    persona(world, Role.SUPERVISOR, at=GULOU)
    case = _case(world)
    matter = selectors.matter_for_user(user=supervisor, subject_type="cases.case", subject_id=case.pk)
    answered = services.order_open(actor=supervisor, matter=matter, reason="医疗救助迟迟未落实，群众反映强烈",
                                   required_response="请说明原因并立即落实，附医院减免证明",
                                   addressee_office_id=world.health_office.pk)
    answered = services.order_answer(actor=handler, order=answered, version=answered.version,
                                     text="已协调医院减免住院费用，减免证明另行报送")
    other = _case(world)
    matter = selectors.matter_for_user(user=supervisor, subject_type="cases.case", subject_id=other.pk)
    waiting = services.order_open(actor=supervisor, matter=matter, reason="部门任务长时间没有进展",
                                  required_response="请立即办理并答复结果", addressee_office_id=world.health_office.pk)
    pages = {
        supervisor: [("orders", "/supervision/orders/?status=all"),
                     ("order-answered", f"/supervision/orders/{answered.pk}/"),
                     ("order-search", f"/supervision/orders/new/?q={case.number}"),
                     ("order-open", f"/supervision/orders/new/case/{other.pk}/"),
                     ("order-case", f"/cases/{case.pk}/")],
        handler: [("orders-addressed", "/supervision/orders/addressed/"),
                  ("order-waiting", f"/supervision/orders/{waiting.pk}/"), ("home-handler", "/")],
    }
    problems: list[str] = []
    for user, visits in pages.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        sign_in(page, user.username)
        for language in ("zh-hans", "en"):
            context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
            for name, url in visits:
                response = page.goto(live_server.url + url)
                if response is None or response.status != 200:
                    problems.append(f"{user.username} {url}: {response and response.status}")
                    continue
                if name == "order-case":  # its panels load after the page
                    page.wait_for_load_state("networkidle")
                    assert page.locator("[data-testid=case-orders-panel]").count() == 1
                try:
                    check_page(page, f"orders-{language}-{name}")
                except AssertionError as failed:
                    problems.append(str(failed).split("\nassert ")[0])
        context.close()
    assert problems == [], "\n".join(problems)

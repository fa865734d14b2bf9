"""The indicators page fits a 390-pixel phone and passes axe-core, in Chinese and in English: a
city supervisor's indicators with the drill-down by county, a county's quarter, and a custom range."""

from __future__ import annotations

import pytest
from django.utils import timezone

from e2e.conftest import check_page, ready, seed_again, sign_in
from jijinan.cases.models import Case
from jijinan.core.permissions import Role
from jijinan.regions.models import Region
from tests.world import XUANWU, build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_the_indicators_page_fits_a_phone_and_passes_axe(browser, live_server):  # type: ignore[no-untyped-def]
    seed_again()
    world = build_world()
    township = Region.objects.get(code="320102002000")
    Case.objects.create(number="L-1", channel="window", handling_region=township, subject_kind="unidentified",
                        subject_name="某某", event_at=timezone.now(), description="困难", fast_tracked=True)
    supervisor = ready(persona(world, Role.SUPERVISOR, at="320100000000"))
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    sign_in(page, supervisor.username)
    problems = []
    for language in ("zh-hans", "en"):
        context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
        for name, url in (("city", "/supervision/indicators/"),
                          ("county", f"/supervision/indicators/?region={XUANWU}&period=quarter"
                                     "&indicator=cases.money_granted"),
                          ("custom", f"/supervision/indicators/?region={XUANWU}&period=custom&start=2026-01-01"
                                     "&end=2026-12-31&indicator=cases.time_to_review")):
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            try:
                check_page(page, f"indicators-{language}-{name}")
            except AssertionError as failed:
                problems.append(str(failed))
    context.close()
    assert not problems, "\n".join(problems)

"""The deadlines board fits a 390-pixel phone and passes axe-core, in Chinese and in English: a
city supervisor's board by region (with the drill-down), by person, a county's board with a filter,
and the home page with the board's panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from e2e.conftest import check_page, ready, seed_again, sign_in
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role
from tests.world import XUANWU, build_world, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_the_board_fits_a_phone_and_passes_axe(browser, live_server):  # type: ignore[no-untyped-def]
    seed_again()
    world = build_world()
    load_policy_defaults(["case_handling.supervision_board_horizon"])
    now = timezone.now()
    for i, (region, hours) in enumerate((("320102002001", -50), ("320102002000", -3), ("320106001000", 5))):
        Deadline.objects.create(
            subject_type="tests.board", subject_id=f"layout-{i}", kind="referrals.task", region_code=region,
            owner_user=world.xuanwu_staff, owner_organisation=world.xuanwu_office, started_at=now - timedelta(days=3),
            unit="hours", limit=24, due_at=now + timedelta(hours=hours), counted_from=now - timedelta(days=3),
            counted_units=24)
    supervisor = ready(persona(world, Role.SUPERVISOR, at="320100000000"))
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    sign_in(page, supervisor.username)
    problems = []
    for language in ("zh-hans", "en"):
        context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
        for name, url in (("home", "/"), ("board", "/supervision/board/"),
                          ("board-person", "/supervision/board/?group=person"),
                          ("board-county", f"/supervision/board/?region={XUANWU}&overdue=on&group=kind")):
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            try:
                check_page(page, f"board-{language}-{name}")
            except AssertionError as failed:
                problems.append(str(failed))
    context.close()
    assert not problems, "\n".join(problems)

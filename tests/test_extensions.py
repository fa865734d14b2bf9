"""The registries later capabilities extend: home-page panels (through the home page),
indicators (computed on real records), webhook event types (against what the outbox carries)."""

from __future__ import annotations

import ast
import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

import jijinan
from jijinan.cases.choices import Channel
from jijinan.cases.intake.services import case_intake
from jijinan.core.extensions.events import WebhookEventType, register_webhook_event, webhook_event_type
from jijinan.core.extensions.indicators import IndicatorQuery, indicator, indicators
from jijinan.core.extensions.panels import HomePanel, PanelContent, home_panels, register_home_panel
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.referrals.choices import ReturnReason
from jijinan.referrals.services import task_return
from tests.test_cases import TOWNSHIP, intake
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db


def _home(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_clerk_sees_the_queue_panel_with_its_count(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    def waiting(page: str) -> int:
        found = re.search(r"(\d+) 件急难事项等您办理，其中 0 件已超期", page)
        assert found, page
        return int(found.group(1))

    page = _home(clerk)
    assert "待办事项" in page
    before = waiting(page)
    case_intake(actor=clerk, data=intake())
    page = _home(clerk)
    assert waiting(page) == before + 1
    assert 'href="/cases/queue/"' in page
    assert "部门任务" not in page  # not a department handler


def test_the_department_handler_sees_the_office_tasks(world):  # type: ignore[no-untyped-def]
    handler = persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)
    page = _home(handler)
    assert "本部门有 2 项分办任务在办，其中 0 项已超期" in page  # the world's pending and accepted tasks
    assert "急难事项等您办理" not in page


def test_a_panel_stays_hidden_from_those_without_its_action_and_when_it_says_so(world):  # type: ignore[no-untyped-def]
    partner = persona(world, Role.PARTNER_STAFF, at=XUANWU)
    page = _home(partner)
    assert 'data-panel="cases.queue"' not in page and 'data-panel="referrals.office_tasks"' not in page
    shown = {"yes": True}
    panel = HomePanel(code="tests.switch", order=99, title="测试面板", action="cases.queue.view",
                      content=lambda user: PanelContent(count=0, summary="测试摘要", url="/", link_text="去")
                      if shown["yes"] else None)
    register_home_panel(panel)
    try:
        clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
        assert "测试摘要" in _home(clerk)
        shown["yes"] = False
        assert "测试摘要" not in _home(clerk)
        with pytest.raises(ValueError, match="registered twice"):
            register_home_panel(HomePanel(code="tests.switch", order=1, title="另一个", action="x",
                                          content=lambda user: None))
    finally:
        from jijinan.core.extensions import panels

        panels._panels.pop("tests.switch")
    assert "tests.switch" not in {p.code for p in home_panels()}


def test_every_indicator_has_a_definition_and_computes(world):  # type: ignore[no-untyped-def]
    now = timezone.now()
    assert {"cases.intakes", "cases.fast_track_share", "referrals.tasks_returned"} <= {i.code for i in indicators()}
    for each in indicators():
        assert len(str(each.definition)) > 20 and str(each.title)
        assert "" in each.compute(IndicatorQuery("32", now - timedelta(days=1), now + timedelta(days=1)))


def test_intakes_count_by_channel_within_the_subtree_and_period(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    start = timezone.now()
    case_intake(actor=clerk, data=intake())
    case_intake(actor=clerk, data=intake(channel=Channel.HOTLINE))
    end = timezone.now() + timedelta(seconds=1)
    counted = indicator("cases.intakes").compute(IndicatorQuery(TOWNSHIP[:9], start, end))[""]
    assert counted.value == 2 and counted.breakdown == {"救助热线": 1, "服务窗口（一门受理）": 1}
    assert indicator("cases.intakes").compute(IndicatorQuery("320106", start, end))[""].value == 0  # 鼓楼区
    assert indicator("cases.intakes").compute(IndicatorQuery(TOWNSHIP[:9], end, end + timedelta(days=1)))[""].value == 0
    by_county = indicator("cases.intakes").compute(IndicatorQuery("3201", start, end, group_digits=6))
    assert {k: v.value for k, v in by_county.items()} == {"320102": 2}
    share = indicator("cases.fast_track_share").compute(IndicatorQuery(TOWNSHIP[:9], start, end))[""]
    assert share.value == 0
    assert indicator("cases.fast_track_share").compute(IndicatorQuery("320106", start, end))[""].value is None


def test_returned_tasks_are_counted(world):  # type: ignore[no-untyped-def]
    handler = persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)
    start = timezone.now()
    task = world.extra["referrals"]["task"][True]
    task_return(actor=handler, task=task, version=task.version, reason_code=ReturnReason.values[0],
                reason="不属于本部门职责")
    end = timezone.now() + timedelta(seconds=1)
    assert indicator("referrals.tasks_returned").compute(IndicatorQuery("320102", start, end))[""].value == 1
    assert indicator("referrals.tasks_returned").compute(IndicatorQuery("320106", start, end))[""].value == 0


def test_the_outbox_carries_every_key_its_webhook_type_declares(world):  # type: ignore[no-untyped-def]
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    before = OutboxMessage.objects.count()
    case_intake(actor=clerk, data=intake())
    written = OutboxMessage.objects.order_by("id")[before:]
    declared = [m for m in written if webhook_event_type(m.type) is not None]
    assert "cases.case.intake" in {m.type for m in declared}
    for message in declared:
        event = webhook_event_type(message.type)
        assert event is not None and set(event.payload_keys) <= set(message.payload), message.type
        assert event.subject_type == message.subject_type
    with pytest.raises(ValueError, match="registered twice"):
        register_webhook_event(WebhookEventType(type="cases.case.intake", title="x", description="x",
                                                subject_type="cases.case", payload_keys=(), owner="tests"))


# Names that make a module-level function an extension point.
_HOOK = re.compile(r"^(register_\w+|\w+_register|set_\w+_(?:backend|recorder)|job|periodic|outbox_handler|demo_step"
                   r"|on_calendar_change)$")


def test_every_extension_point_is_in_the_index_and_every_entry_exists():
    from jijinan.core.extensions import EXTENSION_POINTS

    source = Path(jijinan.__file__).parent
    found = set()
    for path in source.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(source.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and _HOOK.match(node.name):
                found.add(f"{module}.{node.name}")
    listed = {point.hook for point in EXTENSION_POINTS}
    assert sorted(found - listed) == [], "add each new hook to jijinan.core.extensions.EXTENSION_POINTS"
    assert sorted(listed - found) == [], "the index names hooks that no longer exist"
    for point in EXTENSION_POINTS:
        module, _, name = point.hook.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)) and point.adds and point.used_by

"""A deflection flag's life: open → under 督办 → resolved with the finding or dismissed with the
reason; raised again while live it counts one more occurrence, after it was settled a new flag
opens; a stale version, a missing outcome, a second settling, the wrong role and another district
are refused and change nothing. Through the service, the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jijinan.audit.models import AuditEvent
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.permissions import Role
from jijinan.referrals import selectors, services
from jijinan.referrals.choices import FlagReason, FlagStatus
from jijinan.referrals.deflection.services import flag_settle, flag_supervise
from jijinan.referrals.models import DeflectionFlag, Task
from tests.test_referrals import _private_files, _split, case, offices, people  # noqa: F401  (fixtures)
from tests.world import GULOU, XUANWU, World, load_policy_defaults, persona

pytestmark = pytest.mark.django_db


def extend_module_world(world: World) -> None:
    load_policy_defaults()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _return(staff: dict[str, Any], places: dict[str, Any], task: Task, n: int) -> Task:
    """The medical office returns the task, and the township sends it back to it."""
    task = services.task_return(actor=staff["medical"], task=task, version=task.version,
                                reason_code="not_our_duty", reason=f"第 {n} 次退回")
    return services.task_reassign(actor=staff["reviewer"], task=task, version=task.version,
                                  to_office_id=places["medical"].pk, reason="请再核实")


def _flagged(staff: dict[str, Any], places: dict[str, Any], of: Any) -> tuple[Task, DeflectionFlag]:
    task = _split(staff, of, places["medical"])[0]
    task = _return(staff, places, task, 1)
    task = _return(staff, places, task, 2)  # the second return reaches the limit of 2
    return task, DeflectionFlag.objects.get(task=task, reason=FlagReason.RETURNS)


def _row(flag: DeflectionFlag) -> dict[str, Any]:
    return DeflectionFlag.objects.filter(pk=flag.pk).values().get()


def test_a_flag_goes_open_supervised_resolved_and_a_new_trigger_opens_a_new_one(world, offices, people, case):  # noqa: F811
    task, flag = _flagged(people, offices, case)
    assert (flag.status, flag.occurrences, flag.version) == (FlagStatus.OPEN, 1, 1)

    task = _return(people, offices, task, 3)  # raised again while open: one more occurrence, no new flag
    flag.refresh_from_db()
    assert DeflectionFlag.objects.filter(task=task).count() == 1
    assert (flag.status, flag.occurrences, flag.version) == (FlagStatus.OPEN, 2, 2)

    flag = flag_supervise(flag, note="督办单 DB-2026-000001")
    assert (flag.status, flag.version) == (FlagStatus.SUPERVISED, 3)
    task = _return(people, offices, task, 4)  # under 督办 it is still live
    flag.refresh_from_db()
    assert DeflectionFlag.objects.filter(task=task).count() == 1
    assert (flag.status, flag.occurrences, flag.version) == (FlagStatus.SUPERVISED, 3, 4)

    supervisor = people["supervisor"]
    before = _row(flag)
    with pytest.raises(Conflict):  # prepared before the fourth return
        flag_settle(actor=supervisor, flag=flag, version=3, status=FlagStatus.RESOLVED, outcome="已约谈")
    with pytest.raises(DomainError) as empty:
        flag_settle(actor=supervisor, flag=flag, version=4, status=FlagStatus.RESOLVED, outcome="  ")
    assert empty.value.field_errors["outcome"] == ["请写明查实的情况和处理"]
    with pytest.raises(DomainError) as wrong:
        flag_settle(actor=supervisor, flag=flag, version=4, status=FlagStatus.OPEN, outcome="x")
    assert "status" in wrong.value.field_errors
    with pytest.raises(Forbidden):  # a county approver sees flags but does not settle them
        flag_settle(actor=persona(world, Role.COUNTY_APPROVER, at=XUANWU), flag=flag, version=4,
                    status=FlagStatus.RESOLVED, outcome="x")
    with pytest.raises(Forbidden):  # another district's supervisor
        flag_settle(actor=persona(world, Role.SUPERVISOR, at=GULOU), flag=flag, version=4,
                    status=FlagStatus.RESOLVED, outcome="x")
    assert _row(flag) == before

    flag = flag_settle(actor=supervisor, flag=flag, version=4, status=FlagStatus.RESOLVED,
                       outcome="医保局确有推诿，已约谈并责令当日接收")
    assert (flag.status, flag.version, flag.settled_by) == (FlagStatus.RESOLVED, 5, supervisor)
    assert flag.settled_at is not None and flag.outcome == "医保局确有推诿，已约谈并责令当日接收"
    event = AuditEvent.objects.get(action="referrals.flag.resolve")
    assert event.subject_label == task.number and event.actor_id == supervisor.pk
    with pytest.raises(DomainError) as again:
        flag_settle(actor=supervisor, flag=flag, version=5, status=FlagStatus.DISMISSED, outcome="x")
    assert again.value.code == "flag_already_settled" and again.value.status == 409

    task = _return(people, offices, task, 5)  # raised again after it was settled: a new flag
    flags = list(DeflectionFlag.objects.filter(task=task).order_by("pk"))
    assert [(f.status, f.occurrences) for f in flags] == [(FlagStatus.RESOLVED, 3), (FlagStatus.OPEN, 1)]
    assert flag_supervise(flags[0], note="x").status == FlagStatus.RESOLVED  # a settled flag stays settled


def test_a_flag_is_dismissed_with_the_reason_by_a_government_leader(world, offices, people, case):  # noqa: F811
    _task, flag = _flagged(people, offices, case)
    leader = persona(world, Role.GOVERNMENT_LEADER, at=XUANWU)
    with pytest.raises(DomainError) as empty:
        flag_settle(actor=leader, flag=flag, version=1, status=FlagStatus.DISMISSED, outcome="")
    assert empty.value.field_errors["outcome"] == ["请写明排除的理由"]
    flag = flag_settle(actor=leader, flag=flag, version=1, status=FlagStatus.DISMISSED,
                       outcome="两次退回均因材料不全，理由成立")
    assert flag.status == FlagStatus.DISMISSED and flag.settled_by == leader
    assert AuditEvent.objects.filter(action="referrals.flag.dismiss").count() == 1
    q = case.number  # the world holds flags of its own
    assert list(selectors.flags_for_user(user=leader, q=q)) == []  # the list shows the live ones by default
    assert list(selectors.flags_for_user(user=leader, q=q, status="dismissed")) == [flag]
    assert list(selectors.flags_for_user(user=leader, q=q, status="all")) == [flag]
    with pytest.raises(NotFound):
        selectors.flag_get_for_user(user=persona(world, Role.SUPERVISOR, at=GULOU), pk=flag.pk)


def test_the_pages_filter_by_status_and_settle_a_flag(world, offices, people, case):  # noqa: F811
    task, flag = _flagged(people, offices, case)
    supervisor = _client(people["supervisor"])
    q = f"q={case.number}"  # the world holds flags of its own
    page = supervisor.get(f"/referrals/flags/?{q}").content.decode()
    assert task.number in page and "待处理" in page and 'data-status="open"' in page

    detail = supervisor.get(f"/referrals/flags/{flag.pk}/")
    assert detail.status_code == 200 and 'data-testid="settle"' in detail.content.decode()
    refused = supervisor.post(f"/referrals/flags/{flag.pk}/settle/", {"version": 1, "status": "resolved",
                                                                      "outcome": ""})
    assert refused.status_code == 400 and "查实的情况和处理，或排除的理由" in refused.content.decode()
    stale = supervisor.post(f"/referrals/flags/{flag.pk}/settle/", {"version": 9, "status": "resolved",
                                                                    "outcome": "已约谈"})
    assert stale.status_code == 400 and "请刷新后重试" in stale.content.decode()
    assert _row(flag)["status"] == FlagStatus.OPEN

    approver = _client(persona(world, Role.COUNTY_APPROVER, at=XUANWU))
    seen = approver.get(f"/referrals/flags/{flag.pk}/")
    assert seen.status_code == 200 and 'data-testid="settle"' not in seen.content.decode()
    assert approver.post(f"/referrals/flags/{flag.pk}/settle/", {"version": 1, "status": "resolved",
                                                                 "outcome": "x"}).status_code == 403
    other = _client(persona(world, Role.SUPERVISOR, at=GULOU))
    assert other.get(f"/referrals/flags/{flag.pk}/").status_code == 404
    assert other.post(f"/referrals/flags/{flag.pk}/settle/", {"version": 1, "status": "resolved",
                                                              "outcome": "x"}).status_code == 404

    done = supervisor.post(f"/referrals/flags/{flag.pk}/settle/", {"version": 1, "status": "resolved",
                                                                   "outcome": "已约谈医保局"})
    assert done.status_code == 302 and done["Location"] == f"/referrals/flags/{flag.pk}/"
    shown = supervisor.get(f"/referrals/flags/{flag.pk}/").content.decode()
    assert 'data-testid="settled"' in shown and "已约谈医保局" in shown and "已查实处理" in shown
    assert 'data-testid="flags-empty"' in supervisor.get(f"/referrals/flags/?{q}").content.decode()
    resolved = supervisor.get(f"/referrals/flags/?status=resolved&{q}").content.decode()
    assert resolved.count('data-testid="flag-row"') == 1 and "已约谈医保局" in resolved
    csv_text = supervisor.get(f"/referrals/flags/?status=all&{q}&format=csv").content.decode("utf-8-sig")
    assert "已查实处理" in csv_text and "已约谈医保局" in csv_text


def test_the_api_shows_the_status_and_settles(world, offices, people, case):  # noqa: F811
    _task, flag = _flagged(people, offices, case)
    client = _client(people["supervisor"])
    q = f"q={case.number}"  # the world holds flags of its own
    listed = client.get(f"/api/v1/deflection-flags?{q}").json()
    assert [(f["id"], f["status"], f["version"]) for f in listed["items"]] == [(flag.pk, "open", 1)]
    stale = client.post(f"/api/v1/deflection-flags/{flag.pk}/settle",
                        {"version": 2, "status": "dismissed", "outcome": "理由成立"}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    done = client.post(f"/api/v1/deflection-flags/{flag.pk}/settle",
                       {"version": 1, "status": "dismissed", "outcome": "理由成立"}, content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["version"]) == ("dismissed", "理由成立", 2)
    assert body["settled_by"] == people["supervisor"].display_name() and body["settled_at"]
    assert client.get(f"/api/v1/deflection-flags?{q}").json()["items"] == []
    assert [f["status"] for f in client.get(f"/api/v1/deflection-flags?status=all&{q}").json()["items"]] == [
        "dismissed"]
    assert client.get(f"/api/v1/deflection-flags/{flag.pk}").json()["outcome"] == "理由成立"
    other = _client(persona(world, Role.SUPERVISOR, at=GULOU))
    assert other.get(f"/api/v1/deflection-flags/{flag.pk}").status_code == 404

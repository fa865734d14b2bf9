"""Who answers now (现在负责) on the case page and both task pages, from the open deadlines' owners,
else the record's own holder; and the board listing the same people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.core.models import Deadline
from jijinan.referrals import services
from jijinan.referrals.choices import TaskStatus
from jijinan.supervision.board import selectors
from jijinan.supervision.board.owners import case_owners_now, task_owners_now
from tests.test_referrals import _private_files, _split, case, extend_module_world, offices, people  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _owner_now(page: str) -> str:
    start = page.index('data-testid="owner-now"')
    return page[start:page.index("</dd>", start)]


def test_the_case_page_names_who_answers_for_the_stage(world, people, case):  # noqa: F811
    owed = list(Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk), met_at__isnull=True,
                                        cancelled_at__isnull=True).order_by("due_at", "id"))
    assert len(owed) == 2  # the stage's, and the aid deadline of an emergency category
    # The case line names the responsible person (or the office when nobody holds the case).
    assert all(d.owner_user is not None or d.owner_organisation is not None for d in owed)
    shown = _owner_now(_client(people["reviewer"]).get(f"/cases/{case.pk}/").content.decode())
    assert shown.count("data-owner-now") == 2
    for d in owed:
        assert d.kind_label in shown
        assert (d.owner_user.display_name() if d.owner_user else d.owner_organisation.name) in shown
    assert [(o.what, o.person) for o in case_owners_now(case=case)] == [
        (d.kind_label, d.owner_user.display_name() if d.owner_user else "") for d in owed]


def test_without_an_open_deadline_the_case_holder_and_its_office_answer(world, people, case):  # noqa: F811
    Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).update(cancelled_at=timezone.now())
    case.refresh_from_db()
    owners = case_owners_now(case=case)
    assert len(owners) == 1
    assert owners[0].what == case.get_stage_display()
    assert owners[0].person == (case.owner.display_name() if case.owner else "")
    assert owners[0].office == "玄武区民政局"  # the township has no office of its own: its county's
    shown = _owner_now(_client(people["reviewer"]).get(f"/cases/{case.pk}/").content.decode())
    assert "玄武区民政局" in shown


def test_a_task_answers_to_its_office_then_to_its_handler(world, offices, people, case):  # noqa: F811
    task = _split(people, case, offices["medical"])[0]
    case_side = _owner_now(_client(people["reviewer"]).get(
        f"/referrals/cases/{case.pk}/tasks/{task.pk}/").content.decode())
    assert "部门任务办理期限：" in case_side and "<strong>玄武区医保局</strong>" in case_side
    assert [(o.person, o.office) for o in task_owners_now(task=task)] == [("", "玄武区医保局")]
    task = services.task_accept(actor=people["medical"], task=task, version=1)
    office_side = _owner_now(_client(people["medical"]).get(f"/referrals/office/{task.pk}/").content.decode())
    assert "<strong>yb_handler</strong>（玄武区医保局）" in office_side
    assert [(o.person, o.office) for o in task_owners_now(task=task)] == [("yb_handler", "玄武区医保局")]
    task = services.task_complete(actor=people["medical"], task=task, version=2, result="已结算", amount_fen=100)
    assert task.status == TaskStatus.COMPLETED and task_owners_now(task=task) == []
    done = _owner_now(_client(people["medical"]).get(f"/referrals/office/{task.pk}/").content.decode())
    assert "已办结" in done


def test_the_board_lists_the_task_by_its_handler(world, offices, people, case):  # noqa: F811
    task = _split(people, case, offices["medical"])[0]
    task = services.task_accept(actor=people["medical"], task=task, version=1)
    Deadline.objects.filter(pk=task.deadline_id).update(due_at=timezone.now() - timedelta(hours=2))
    board = selectors.board_for_user(user=people["supervisor"], filters=selectors.BoardFilters(),
                                     group=selectors.GROUP_PERSON, now=timezone.now())
    mine = [g for g in board.groups if g.key == str(people["medical"].pk)]
    assert [(g.label, g.overdue, g.total) for g in mine] == [("yb_handler（玄武区医保局）", 1, 1)]
    page = _client(people["supervisor"]).get(f"/supervision/board/?group=person&person={people['medical'].pk}")
    assert page.status_code == 200 and page.content.decode().count('data-testid="board-row"') == 1

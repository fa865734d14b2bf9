"""Word lists and timeline texts in the reader's language: a case's categories and needs, the
intake form's choices, department and program names, and the entries of the case timeline are shown
in English on an English page whatever language they were written in, and in Chinese on a Chinese
page; entries written before texts were kept with their parameters still read."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jijinan.accounts.models import User
from jijinan.cases.models import Case, CaseEvent
from jijinan.cases.services import case_event_record
from jijinan.core.permissions import Role
from tests.test_cases import TOWNSHIP
from tests.test_pages_labels import _approved, _case, _client, _page, _text
from tests.test_pages_labels import extend_module_world as extend_module_world  # the policy defaults
from tests.world import XUANWU, persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world) -> dict[str, User]:  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.SUPERVISOR)}


def test_the_case_page_in_english_names_categories_needs_and_timeline_in_english(world, people):
    # the case is written by Chinese-speaking staff: the stored summaries are Chinese
    case = _approved(people)
    html = _text(_page(_client(people[Role.WINDOW_CLERK], "en"), f"/cases/{case.pk}/"))
    assert "Fire" in html and "Money" in html
    assert "Registered via" in html and "Approved: 1,500.00 yuan" in html
    for chinese in ("火灾", "资金救助", "登记，事项编号", "审批：同意救助", "分诊："):
        assert chinese not in html, chinese


def test_the_case_page_in_chinese_is_unchanged_when_english_staff_wrote_the_entries(world, people):
    from django.utils import translation

    with translation.override("en"):  # a change made from an English page
        case = _approved(people)
    assert "审批：同意救助" in CaseEvent.objects.get(case=case, kind="stage.approve").summary
    html = _text(_page(_client(people[Role.WINDOW_CLERK]), f"/cases/{case.pk}/"))
    assert "火灾" in html and "资金救助" in html
    assert "审批：同意救助 1,500.00 元" in html and "分诊：" in html
    for english in ("Fire", "Approved:", "Registered via", "Triage:"):
        assert english not in html, english


def test_an_entry_written_as_plain_text_still_reads(world, people):
    case = _case(people)
    case_event_record(case=Case.objects.get(pk=case.pk), kind="note", summary="旧记录：电话回访", actor=None,
                      at=timezone.now())
    html = _text(_page(_client(people[Role.WINDOW_CLERK], "en"), f"/cases/{case.pk}/"))
    assert "旧记录：电话回访" in html


def test_the_intake_form_offers_categories_and_needs_in_the_page_language(world, people):
    english = _page(_client(people[Role.WINDOW_CLERK], "en"), "/cases/new/")
    assert "Serious illness" in english and "Food and shelter" in english
    assert "重病" not in _text(english)
    chinese = _page(_client(people[Role.WINDOW_CLERK]), "/cases/new/")
    assert "重病" in chinese and "Serious illness" not in chinese


def test_program_types_and_a_word_added_without_english_name(world, people):
    from jijinan.cases.models import CaseCategory

    CaseCategory.objects.create(code="drought", name="旱灾", sort_order=5)
    english = _page(_client(people[Role.WINDOW_CLERK], "en"), "/cases/new/")
    assert "旱灾" in english  # no English name given: the Chinese one is shown rather than nothing
    programs = _text(_page(_client(people[Role.SUPERVISOR], "en"), "/registry/program-types/"))
    assert "Minimum living allowance" in programs and "特困人员" not in programs


def test_a_notice_in_the_inbox_reads_in_the_readers_language(world, people):
    from jijinan.core.jobs.outbox import outbox_deliver_due
    from jijinan.core.models import InboxItem
    from jijinan.referrals import services as referrals
    from tests.test_pages_labels import _handler, _office

    case = _case(people)
    office = _office("medical_security", "玄武区医保局")
    handler = _handler(office, "yb_i18n")
    task = referrals.tasks_open(actor=people[Role.TOWNSHIP_REVIEWER], case=case, drafts=[referrals.TaskDraft(
        office_id=office.pk, description="请核实并办理", required_result="办理结果")])[0]
    outbox_deliver_due(worker_id="test")
    item = InboxItem.objects.get(user=handler)
    assert item.title == f"新的部门任务 {task.number}"  # the stored text stays Chinese
    english = _text(_page(_client(handler, "en"), "/inbox/"))
    assert f"New department task {task.number}" in english and "Referred by" in english
    assert "新的部门任务" not in english and "交办，请于" not in english
    chinese = _text(_page(_client(handler), "/inbox/"))
    assert f"新的部门任务 {task.number}" in chinese and "交办，请于" in chinese
    api = _client(handler, "en").get("/api/v1/inbox", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["items"][0]["title"] == f"New department task {task.number}"


def test_a_notice_stored_before_texts_were_kept_still_reads(world, people):
    from jijinan.core.messaging.inbox import Notice, inbox_post

    user = people[Role.WINDOW_CLERK]
    inbox_post(user_ids=[user.pk], notice=Notice("note", "旧通知标题", "旧通知内容"))
    english = _text(_page(_client(user, "en"), "/inbox/"))
    assert "旧通知标题" in english and "旧通知内容" in english


def test_the_triage_panel_reads_in_the_page_language(world, people):
    from jijinan.cases.intake.services import case_intake
    from tests.test_cases import _household, _person, intake

    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))

    def take() -> Case:
        return case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
            person_id=head.pk, household_id=household.pk, subject_name="", needs=["money"])).case

    first = take()
    second = take()  # the same family again: a warning names the open case
    english = _text(_page(_client(people[Role.WINDOW_CLERK], "en"), f"/cases/{second.pk}/"))
    assert f"This subject already has an open case {first.number}" in english
    assert "Minimum living allowance (dibao)" in english
    assert "该对象已有未办结的事项" not in english and "最低生活保障" not in english
    chinese = _text(_page(_client(people[Role.WINDOW_CLERK]), f"/cases/{second.pk}/"))
    assert f"该对象已有未办结的事项 {first.number}" in chinese and "最低生活保障" in chinese
    api = _client(people[Role.WINDOW_CLERK], "en").get(f"/api/v1/cases/{second.pk}",
                                                        HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["triage"]["warnings"][0]["text"] == f"This subject already has an open case {first.number}"


def test_entries_written_before_texts_were_kept_are_converted_when_they_can_be(world, people):
    from importlib import import_module

    from django.apps import apps

    case = _approved(people)
    for event in CaseEvent.objects.filter(case=case):  # as they were written before
        event.data = {k: v for k, v in event.data.items() if k != "text"}
        event.save(update_fields=["data"])
    url = f"/cases/{case.pk}/"
    assert "登记，事项编号" in _text(_page(_client(people[Role.WINDOW_CLERK], "en"), url))
    import_module("jijinan.cases.migrations.0006_timeline_texts").keep_texts(apps, None)
    english = _text(_page(_client(people[Role.WINDOW_CLERK], "en"), url))
    assert "Registered via" in english and "登记，事项编号" not in english
    assert "审批：同意救助 1,500.00 元" in english  # a summary the data cannot rebuild reads as written
    assert "审批：同意救助 1,500.00 元" in CaseEvent.objects.get(case=case, kind="stage.approve").summary

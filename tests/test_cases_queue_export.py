"""The work queue's Excel export through the page: the queue as filtered, in scope, masked by
default, in clear only with the right and a purpose, logged each time, refused without the right."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases.choices import Channel, Stage, Urgency
from jijinan.cases.models import Case, CaseCategory
from jijinan.cases.queues.export import QUEUE_EXPORT_SPEC
from jijinan.core import exports
from jijinan.core.calendar.workdays import SHANGHAI
from jijinan.registry.models import Person
from tests.permission_cases.registry import _person, valid_id
from tests.test_cases_queue import MEIYUAN, NINGHAI, NOW, XINJIEKOU, XUANWU, deadline, make_case, region, staff

pytestmark = pytest.mark.django_db

ID_NUMBER = valid_id("320102", "19700101", 31)
REPORTER_PHONE = "13700001111"
SUBJECT_PHONE = "13912345678"  # the phone _person gives


@pytest.fixture
def cases(jiangsu: None) -> dict[str, Case]:
    person = _person("张伟", region(MEIYUAN), ID_NUMBER)
    person.save()
    with_person = make_case(person=person, subject_kind="person", subject_name="", reporter_name="李报告",
                            reporter_phone=REPORTER_PHONE, requested_amount_fen=150000, urgency=Urgency.URGENT,
                            crisis=True, created_at=NOW - timedelta(days=2))
    deadline(with_person, NOW - timedelta(hours=2))  # overdue
    formula = make_case(at=XINJIEKOU, subject_name='=HYPERLINK("http://x","点我")', channel=Channel.HOTLINE)
    deadline(formula, NOW + timedelta(days=3))
    return {
        "with_person": with_person, "formula": formula,
        "other_stage": make_case(stage=Stage.REVIEWED),  # in scope, filtered out by the stage
        "other_county": make_case(at=NINGHAI),  # 鼓楼区: never in a 玄武区 export
    }


def _client(user: Any, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _sheet(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(body)).worksheets[0]


def _rows(sheet: Any) -> tuple[list[str], list[dict[str, Any]]]:
    values = list(sheet.iter_rows(min_row=exports.HEADER_ROWS, values_only=True))
    header = [str(h) for h in values[0]]
    return header, [dict(zip(header, row, strict=False)) for row in values[1:]]


def _page_numbers(client: Client, query: str) -> list[str]:
    page = client.get(f"/cases/queue/?{query}")
    assert page.status_code == 200
    return re.findall(r'data-case="([^"]+)"', page.content.decode())


def test_the_export_is_the_filtered_queue_in_scope_and_masked(cases, jiangsu):
    county = staff("county", "county_approver", XUANWU)
    client = _client(county)
    page = client.get("/cases/queue/?scope=area&stage=accepted").content.decode()
    assert 'action="/cases/queue/export/"' in page and 'name="stage" value="accepted"' in page
    assert "?stage=" not in page.split('action="/cases/queue/export/"')[1].split("</form>")[0]

    response = client.post("/cases/queue/export/", {"scope": "area", "stage": "accepted"})
    assert response["X-Export-Masked"] == "1" and "attachment" in response["Content-Disposition"]
    sheet = _sheet(response)
    header, rows = _rows(sheet)
    assert header[:4] == ["事项编号", "对象", "身份证号", "对象电话"] and "拟救助金额（元）" in header
    # The same cases in the same order as the page, none of another county, none filtered out.
    assert [r["事项编号"] for r in rows] == _page_numbers(client, "scope=area&stage=accepted") == [
        cases["with_person"].number, cases["formula"].number]

    row = rows[0]
    assert row["对象"] == "张伟" and row["报告人"] == "李报告"
    assert row["身份证号"] == ID_NUMBER[0] + "*" * 16 + ID_NUMBER[-1]
    assert row["对象电话"] == "139****5678" and row["报告人电话"] == "137****1111"
    assert row["阶段"] == str(Stage.ACCEPTED.label) and row["紧急程度"] == str(Urgency.URGENT.label)
    assert row["来源渠道"] == str(Channel.WINDOW.label) and row["危机个案"] == "是"
    assert row["急难类别"] == CaseCategory.objects.get(code="serious_illness").name
    assert row["办理乡镇（街道）"] == region(MEIYUAN).name and row["责任人"] == "未分配"
    assert row["期限状态"] == "已超期" and row["拟救助金额（元）"] == pytest.approx(1500.00)
    created = cases["with_person"].created_at.astimezone(SHANGHAI).replace(tzinfo=None)
    assert row["登记时间"] == created  # Beijing time
    # A subject name that Excel would run as a formula stays text.
    name_cell = sheet.cell(row=exports.HEADER_ROWS + 2, column=2)
    assert name_cell.value.startswith("=HYPERLINK") and name_cell.data_type == "s" and name_cell.quotePrefix
    assert all(c.data_type != "f" for line in sheet.iter_rows() for c in line)
    assert "阶段=受理" in sheet["A2"].value and "已遮盖" in sheet["A2"].value

    log = AccessLog.objects.get(actor=county, kind="export")
    assert (log.subject_type, log.rows, log.purpose) == ("cases.case", 2, "")
    assert "unmasked" not in log.fields and "阶段=受理" in log.subject_label


def test_the_phone_filter_travels_in_the_body_and_is_masked_in_the_log(cases, jiangsu):
    county = staff("county", "county_approver", XUANWU)
    Person.objects.filter(pk=cases["with_person"].person_id).update(
        phone_index=_phone_index(SUBJECT_PHONE))
    client = _client(county)
    response = client.post("/cases/queue/export/", {"scope": "area", "phone": SUBJECT_PHONE})
    _header, rows = _rows(_sheet(response))
    assert [r["事项编号"] for r in rows] == [cases["with_person"].number]
    log = AccessLog.objects.get(actor=county, kind="export")
    assert SUBJECT_PHONE not in log.subject_label and "139****5678" in log.subject_label


def _phone_index(phone: str) -> str:
    from jijinan.core.protected import crypto
    from jijinan.registry.models import PHONE_PURPOSE

    return crypto.blind_index(phone, purpose=PHONE_PURPOSE)


def test_clear_values_need_the_right_and_a_purpose_and_are_logged(cases, jiangsu):
    county = staff("county", "county_approver", XUANWU)
    client = _client(county)
    missing = client.post("/cases/queue/export/", {"scope": "area", "stage": "accepted", "unmask": "on"})
    assert missing.status_code == 302 and missing["Location"] == "/cases/queue/?scope=area&stage=accepted"
    assert "导出完整信息须填写导出原因" in client.get(missing["Location"]).content.decode()
    assert not AccessLog.objects.filter(kind="export").exists()

    response = client.post("/cases/queue/export/", {"scope": "area", "stage": "accepted", "unmask": "on",
                                                    "reason": "入户核查名单"})
    assert response["X-Export-Masked"] == "0"
    _header, rows = _rows(_sheet(response))
    assert (rows[0]["身份证号"], rows[0]["对象电话"], rows[0]["报告人电话"]) == (
        ID_NUMBER, SUBJECT_PHONE, REPORTER_PHONE)
    log = AccessLog.objects.get(actor=county, kind="export")
    assert log.purpose == "入户核查名单" and "unmasked" in log.fields and log.rows == 2

    # A supervisor exports the list but not in clear.
    supervisor = staff("supervisor", "supervisor", XUANWU)
    refused = _client(supervisor).post("/cases/queue/export/", {"scope": "area", "unmask": "on", "reason": "看看"})
    assert refused.status_code == 403
    assert not AccessLog.objects.filter(actor=supervisor).exists()
    masked = _client(supervisor).post("/cases/queue/export/", {"scope": "area", "stage": "accepted"})
    assert masked["X-Export-Masked"] == "1" and "*" in _rows(_sheet(masked))[1][0]["身份证号"]


def test_a_user_without_the_export_right_is_refused(cases, jiangsu):
    clerk = staff("clerk", "window_clerk", MEIYUAN)
    client = _client(clerk)
    page = client.get("/cases/queue/").content.decode()
    assert cases["with_person"].number in page and "/cases/queue/export/" not in page
    refused = client.post("/cases/queue/export/", {"scope": "mine"})
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert not AccessLog.objects.filter(kind="export").exists()
    assert AuditEvent.objects.filter(actor=clerk, outcome="refused", action="cases.queue.export").exists()
    assert client.get("/cases/queue/export/").status_code in (403, 405)  # never by an address


def test_the_headers_follow_the_page_language(cases, jiangsu):
    county = staff("county", "county_approver", XUANWU)
    response = _client(county, language="en").post("/cases/queue/export/", {"scope": "area", "stage": "accepted"})
    header, rows = _rows(_sheet(response))
    with translation.override("en"):
        expected = [str(c.header) for c in QUEUE_EXPORT_SPEC.columns]
        stage, unassigned = str(Stage.ACCEPTED.label), gettext("未分配")
    assert header == expected and header[0] != "事项编号" and all(re.search(r"[A-Za-z]", h) for h in header)
    assert (rows[0][header[6]], rows[0][header[13]]) == (stage, unassigned) != ("受理", "未分配")


@pytest.mark.parametrize("n", [3, 40])
def test_the_query_count_does_not_grow_with_the_rows(jiangsu, n, django_assert_max_num_queries):
    county = staff("county", "county_approver", XUANWU)
    for i in range(n):
        person = _person(f"人{i}", region(MEIYUAN), valid_id("320102", "19800101", 100 + i))
        person.save()
        deadline(make_case(person=person, subject_kind="person", owner=county if i % 2 else None,
                           reporter_phone=REPORTER_PHONE), NOW + timedelta(hours=i + 1))
    client = _client(county)
    with django_assert_max_num_queries(14):
        response = client.post("/cases/queue/export/", {"scope": "area", "unmask": "on", "reason": "核对"})
    assert len(_rows(_sheet(response))[1]) == n

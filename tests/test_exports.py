"""Exports of lists to Excel: typed cells, formula injection, masking and unmasking, scope, the
access log, the row cap, the query count and the Chinese file name. Files are read back with openpyxl."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from openpyxl import load_workbook

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core import exports
from jijinan.core.errors import DomainError
from jijinan.core.exports import Column, ColumnKind, ExportSpec
from jijinan.core.permissions import Role
from jijinan.registry.models import Household, Person
from tests.permission_cases.registry import _person, valid_id
from tests.world import XUANWU, World, build_world, persona

pytestmark = pytest.mark.django_db

DATA_START = exports.HEADER_ROWS + 1  # openpyxl rows are 1-based


def _workbook(response: Any) -> Any:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(body))


def _table(response: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the data rows of the first sheet, as dicts keyed by the Chinese header."""
    sheet = _workbook(response).worksheets[0]
    rows = list(sheet.iter_rows(min_row=exports.HEADER_ROWS, values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, r, strict=False)) for r in rows[1:]]


def _world() -> World:
    return build_world()


def _client(world: World, role: str, at: str = XUANWU) -> tuple[Client, Any]:
    user = persona(world, role, at=at)
    client = Client()
    client.force_login(user)
    return client, user


def _ids(world: World) -> dict[str, str]:
    """The clear ID numbers of the world's persons, by name."""
    return {p.name: p.id_number.reveal() for p in Person.objects.all() if p.id_number is not None}


# --- the writer ---------------------------------------------------------------------------------
SPEC = ExportSpec(title="测试列表", subject_type="tests.thing", fields=["id_number", "phone"], columns=[
    Column("id_number", "身份证号", ColumnKind.ID_NUMBER), Column("phone", "电话", ColumnKind.PHONE),
    Column("code", "区划代码"), Column("money", "金额（元）", ColumnKind.MONEY_FEN),
    Column("when", "时间", ColumnKind.DATETIME), Column("day", "日期", ColumnKind.DATE),
    Column("flag", "是否", ColumnKind.BOOL), Column("note", "备注"), Column("n", "数量", ColumnKind.NUMBER),
])
DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=HYPERLINK(\"x\")", "\r=1", "=cmd|' /C calc'!A0"]


def _export(user: Any, rows: list[dict[str, Any]], **kwargs: Any) -> exports.ExportFile:
    return exports.export_list(actor=user, spec=SPEC, rows=iter(rows), count=len(rows),
                               filters={"q": "=evil()"}, masked=True, **kwargs)


def test_cells_keep_their_types_ids_stay_text_and_nothing_is_a_formula(administrator):
    rows = [{"id_number": "110101199003070011", "phone": "+8613800000001", "code": "012345678901",
             "money": 12345, "when": datetime(2025, 1, 1, 16, 30, tzinfo=UTC), "day": date(2025, 2, 3),
             "flag": True, "note": text, "n": 7} for text in DANGEROUS]
    export = _export(administrator, rows)
    book = load_workbook(export.file)
    sheet = book.worksheets[0]
    assert sheet.title == "测试列表" and sheet.freeze_panes == f"A{DATA_START}"
    first = list(sheet[DATA_START])
    assert first[0].value == "110101199003070011" and first[0].data_type == "s"  # not 1.1e17
    assert first[1].value == "+8613800000001" and first[1].data_type == "s" and first[1].quotePrefix
    assert first[2].value == "012345678901"  # leading zero kept
    assert first[3].value == pytest.approx(123.45) and first[3].number_format == "#,##0.00"
    assert first[4].value == datetime(2025, 1, 2, 0, 30)  # 16:30 UTC is 00:30 in Shanghai
    assert first[5].value == datetime(2025, 2, 3)
    assert first[6].value == "是"
    assert first[8].value == 7
    notes = [sheet.cell(row=DATA_START + i, column=8) for i in range(len(DANGEROUS))]
    # the text itself is unchanged (a carriage return is stored as Excel's _x000D_ escape) …
    assert [c.value.replace("_x000D_", "\r") for c in notes] == DANGEROUS
    assert all(c.data_type == "s" and c.quotePrefix for c in notes)  # … and Excel will not evaluate it
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    # the header line and the second sheet say who, when, which filters, masked
    assert "管理员甲" in sheet["A2"].value and "已遮盖" in sheet["A2"].value and "q==evil()" in sheet["A2"].value
    about = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert about["记录数"] == str(len(DANGEROUS)) and about["个人信息"] == "已遮盖"
    export.file.close()


def test_the_row_cap_refuses_before_writing_or_logging(administrator):
    before = AccessLog.objects.count()
    with pytest.raises(DomainError) as refused:
        _export(administrator, [{"note": "x"}] * 3, limit=2)
    assert refused.value.code == exports.ExportErrorCode.TOO_MANY_ROWS
    assert "请增加筛选条件" in str(refused.value.message) and "3" in str(refused.value.message)
    assert AccessLog.objects.count() == before


def test_one_access_log_row_per_export(administrator):
    export = _export(administrator, [{"note": "a"}, {"note": "b"}], reason="月度核对")
    log = AccessLog.objects.get(pk=export.log_id)
    assert (log.kind, log.rows, log.purpose, log.subject_type) == ("export", 2, "月度核对", "tests.thing")
    assert log.fields == ["id_number", "phone"] and "已遮盖" in log.subject_label
    export.file.close()


def test_asking_for_clear_values_needs_the_right_and_a_reason():
    assert exports.export_masked(options=exports.ExportOptions(), may_unmask=True) is True
    with pytest.raises(DomainError) as no_right:
        exports.export_masked(options=exports.ExportOptions(unmask=True, reason="x"), may_unmask=False)
    assert no_right.value.status == 403
    with pytest.raises(DomainError) as no_reason:
        exports.export_masked(options=exports.ExportOptions(unmask=True, reason=" "), may_unmask=True)
    assert no_reason.value.field_errors.keys() == {"reason"}
    assert exports.export_masked(options=exports.ExportOptions(unmask=True, reason="核对"), may_unmask=True) is False


def test_the_file_name_is_chinese_with_an_ascii_fallback():
    header = exports.content_disposition("救助对象_20250101-0930.xlsx")
    assert header.startswith('attachment; filename="_20250101-0930.xlsx"')
    assert f"filename*=UTF-8''{quote('救助对象_20250101-0930.xlsx')}" in header


# --- registry: persons --------------------------------------------------------------------------
def test_person_export_is_masked_by_default_and_shows_only_the_users_scope():
    world = _world()
    client, user = _client(world, Role.TOWNSHIP_REVIEWER)
    response = client.get("/api/v1/persons/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" + quote("救助对象_") in response["Content-Disposition"]
    assert response["X-Export-Masked"] == "1"
    _header, rows = _table(response)
    assert {r["姓名"] for r in rows} == {"张伟", "李娜", "王芳"}  # never 鼓楼区's 张卫, 李纳, 王方
    clear = _ids(world)
    for row in rows:
        shown = row["身份证号"]
        assert shown != clear[row["姓名"]] and shown[0] == clear[row["姓名"]][0] and shown[-1] == clear[row["姓名"]][-1]
        assert "*" in shown and "*" in row["联系电话"]
    log = AccessLog.objects.get(actor=user, kind="export")
    assert log.rows == 3 and "unmasked" not in log.fields and log.region_code == "320102000000"


def test_unmasking_needs_the_role_and_a_reason_and_is_logged():
    world = _world()
    reviewer, user = _client(world, Role.TOWNSHIP_REVIEWER)
    missing = reviewer.get("/api/v1/persons/export.xlsx?unmask=true")
    assert missing.status_code == 400 and missing.json()["field_errors"].keys() == {"reason"}
    assert not AccessLog.objects.filter(kind="export").exists()

    response = reviewer.get("/api/v1/persons/export.xlsx", {"unmask": "true", "reason": "入户核查名单"})
    assert response.status_code == 200 and response["X-Export-Masked"] == "0"
    _header, rows = _table(response)
    clear = _ids(world)
    assert {r["姓名"]: r["身份证号"] for r in rows} == {n: clear[n] for n in ("张伟", "李娜", "王芳")}
    assert all(r["联系电话"] == "13912345678" for r in rows)
    log = AccessLog.objects.get(actor=user, kind="export")
    assert log.purpose == "入户核查名单" and "unmasked" in log.fields and log.rows == 3

    clerk, clerk_user = _client(world, Role.WINDOW_CLERK)
    refused = clerk.get("/api/v1/persons/export.xlsx", {"unmask": "true", "reason": "想看"})
    assert refused.status_code == 403 and refused.json()["code"] == exports.ExportErrorCode.UNMASK_FORBIDDEN
    assert not AccessLog.objects.filter(actor=clerk_user).exists()
    assert AuditEvent.objects.filter(actor=clerk_user, outcome="refused", action="registry.person.export").exists()


def test_consent_limited_rows_keep_only_their_categories():
    world = _world()
    handler, _user = _client(world, Role.DEPARTMENT_HANDLER)  # health: the head's health category only
    _header, rows = _table(handler.get("/api/v1/persons/export.xlsx"))
    assert [r["姓名"] for r in rows] == ["张伟"]
    assert rows[0]["身份证号"] is None and rows[0]["联系电话"] is None and rows[0]["可见范围"] == "授权共享"
    assert rows[0]["患重病"] == "否"


def test_the_person_page_links_the_export_with_its_filters_and_the_page_export_works():
    world = _world()
    client, _user = _client(world, Role.TOWNSHIP_REVIEWER)
    page = client.get("/registry/persons/?q=zhang&page=1").content.decode()
    assert 'href="/registry/persons/export/?q=zhang"' in page and "导出 Excel" in page
    assert 'data-testid="export-unmask"' in page  # the reviewer may unmask
    response = client.get("/registry/persons/export/?q=zhang")
    assert response.status_code == 200
    _header, rows = _table(response)
    assert [r["姓名"] for r in rows] == ["张伟"]
    # a refused export goes back to the list with the reason, keeping the filters
    back = client.get("/registry/persons/export/?q=zhang&unmask=on")
    assert back.status_code == 302 and back["Location"] == "/registry/persons/?q=zhang"
    clerk, _clerk = _client(world, Role.WINDOW_CLERK)
    assert 'data-testid="export-unmask"' not in clerk.get("/registry/persons/").content.decode()


def test_the_row_cap_answers_with_a_clear_message(settings):
    world = _world()
    settings.JIJINAN_EXPORT_MAX_ROWS = 2
    client, _user = _client(world, Role.TOWNSHIP_REVIEWER)
    response = client.get("/api/v1/persons/export.xlsx")
    assert response.status_code == 400 and response.json()["code"] == "export_too_many_rows"
    assert "请增加筛选条件" in response.json()["message"]
    assert not AccessLog.objects.filter(kind="export").exists()


def test_the_query_count_of_an_export_does_not_grow_with_its_rows(django_assert_max_num_queries):
    world = _world()
    region = Person.objects.filter(name="张伟").get().residence_region
    Person.objects.bulk_create([_person(f"赵{i}", region, valid_id("320102", "19800101", 100 + i))
                                for i in range(60)])
    client, _user = _client(world, Role.TOWNSHIP_REVIEWER)
    client.get("/api/v1/persons/export.xlsx")  # warm the session and the grants
    with django_assert_max_num_queries(16):
        response = client.get("/api/v1/persons/export.xlsx")
    assert len(_table(response)[1]) == 63


# --- the other lists ---------------------------------------------------------------------------------
def test_household_export_shows_yuan_and_masks_the_bank_account():
    world = _world()
    Household.objects.update(monthly_income_fen=123456)
    client, _user = _client(world, Role.COUNTY_APPROVER)
    _header, rows = _table(client.get("/registry/households/export/"))
    assert len(rows) == 1 and rows[0]["家庭月收入（元）"] == pytest.approx(1234.56)
    assert rows[0]["银行账号"] != "6222021001012345678" and rows[0]["银行账号"].endswith("5678")
    _header, clear = _table(client.get("/api/v1/households/export.xlsx", {"unmask": "true", "reason": "发放"}))
    assert clear[0]["银行账号"] == "6222021001012345678"


def test_staff_export_masks_mobiles_unless_an_administrator_unmasks():
    world = _world()
    admin, _user = _client(world, Role.ADMINISTRATOR)
    _header, rows = _table(admin.get("/accounts/staff/export/?show=all"))
    names = {r["用户名"]: r for r in rows}
    assert "gl_staff" not in names and names["xw_staff"]["手机号"] != "13800000001"
    _header, rows = _table(admin.get("/api/v1/staff/export.xlsx", {"unmask": "true", "reason": "通讯录"}))
    assert {r["用户名"]: r["手机号"] for r in rows}["xw_staff"] == "13800000001"
    supervisor, _sup = _client(world, Role.SUPERVISOR)
    assert supervisor.get("/api/v1/staff/export.xlsx", {"unmask": "true", "reason": "x"}).status_code == 403


def test_deadline_audit_organisation_and_region_exports_read_their_lists():
    world = _world()
    admin, user = _client(world, Role.ADMINISTRATOR)
    _header, deadlines = _table(admin.get("/deadlines/export/"))
    assert sorted(r["对象编号"] for r in deadlines) == ["xw-open", "xw-paused"]
    _header, orgs = _table(admin.get("/api/v1/organisations/export.xlsx?q=民政局"))
    assert sorted(r["名称"] for r in orgs) == ["玄武区民政局", "鼓楼区民政局"]  # reference data: all areas
    _header, regions = _table(admin.get("/regions/export/?q=320102"))
    assert [r["区划代码"] for r in regions] == ["320102000000", "320102002000", "320102002001"]
    _header, access = _table(admin.get("/audit/access/export/?kind=export"))
    assert len(access) == 3 and all(r["方式"] == "导出" for r in access)  # the three exports above
    _header, events = _table(admin.get("/api/v1/audit/events/export.xlsx"))
    assert all(r["区划代码"].startswith("320102") for r in events if r["区划代码"])
    assert AccessLog.objects.filter(actor=user, kind="export").count() == 5

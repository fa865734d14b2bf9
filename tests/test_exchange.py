"""Department data imports: mapping files, reading CSV/Excel in every encoding departments send,
row-level validation, all-or-nothing and accept-valid commits, matching by ID number, undo, the
command line, the API and the pages."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from jijinan.core.errors import DomainError
from jijinan.core.permissions import Role
from jijinan.exchange import services
from jijinan.exchange.choices import BatchMode, BatchStatus, Linkage
from jijinan.exchange.models import BatchCreated, DepartmentRecord, ImportBatch, ImportRowError
from jijinan.exchange.sources import all_sources, load_source
from jijinan.exchange.validation import CellError, parse_date, parse_fen
from jijinan.registry.models import Household, HouseholdMember, Membership, Person
from tests.permission_cases.registry import valid_id
from tests.world import PROVINCE, XUANWU, World, persona

VILLAGE, TOWNSHIP, OTHER_VILLAGE = "320102002001", "320102002000", "320106001001"
PERSON_HEADER = ["姓名", "身份证号", "居住地区划代码", "居住地址", "联系电话"]
DEATH_HEADER = ["姓名", "身份证号", "死亡日期", "死亡原因", "区划代码"]
BILL_HEADER = ["姓名", "身份证号", "结算日期", "医疗机构", "医疗总费用", "个人自付金额", "区划代码"]
ROLL_HEADER = ["姓名", "身份证号", "救助类别", "纳入日期", "证号", "区划代码"]


def extend_module_world(world: World) -> None:
    # The permission cases' batches are not wanted here: every test starts without imports.
    DepartmentRecord.objects.all().delete()
    ImportRowError.objects.all().delete()
    ImportBatch.objects.all().delete()


@pytest.fixture
def approver(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.COUNTY_APPROVER, at=XUANWU)


@pytest.fixture
def handler(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)  # 玄武区卫健委


def write_csv(tmp_path: Path, header: list[str], rows: list[list[Any]], *, encoding: str = "utf-8",
              name: str = "file.csv") -> Path:
    lines = [",".join(header)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(tmp_path: Path, header: list[str], rows: list[list[Any]], name: str = "file.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def person_ids(n: int, start: int = 100) -> list[str]:
    return [valid_id("320102", "19800101", start + i) for i in range(n)]


def totals() -> tuple[int, int, int, int]:
    return (DepartmentRecord.objects.count(), Person.objects.count(), Membership.objects.count(),
            BatchCreated.objects.count())


def run(source: str, path: Path, *, mode: str = BatchMode.ALL_OR_NOTHING, actor: Any = None,
        region: str = XUANWU, dry_run: bool = False) -> ImportBatch:
    return services.import_file(actor=actor, source_code=source, path=path, region_code=region, mode=mode,
                                dry_run=dry_run)


def errors_of(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(ImportRowError.objects.filter(batch=batch).order_by("row", "id").values_list("row", "column",
                                                                                             "reason"))


# --- mapping files ---------------------------------------------------------------------------------
def test_every_mapping_file_loads_and_names_its_department():
    sources = all_sources()
    assert {"persons", "program_roll", "hospital_bills", "unemployment", "disaster_losses", "school_records",
            "deaths"} <= set(sources)
    assert sources["hospital_bills"].department_type == "medical_security"
    assert sources["persons"].target == "person"
    assert sources["program_roll"].target == "membership"


def test_a_mapping_with_a_missing_target_column_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('code="x"\nname="x"\ndepartment_type="health"\ntarget="event"\nkind="x"\n'
                   '[[columns]]\nkey="name"\nheader="姓名"\ntype="text"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="needs columns"):
        load_source(bad)


# --- cells -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["2024-01-05", "2024/1/5", "2024.1.5", "20240105", "2024年1月5日",
                                  "2024 年 1 月 5 日", "2024-01-05 08:30:00", 45296, date(2024, 1, 5)])
def test_dates_in_the_formats_departments_use(cell):
    assert parse_date(cell) == date(2024, 1, 5)


@pytest.mark.parametrize("cell, text", [("01/05/2024", "顺序不明确"), ("24-1-5", "顺序不明确"),
                                        ("2024-02-30", "不存在"), ("昨天", "无法识别"), ("2024-13-01", "不存在")])
def test_ambiguous_or_impossible_dates_are_row_errors(cell, text):
    with pytest.raises(CellError, match=text):
        parse_date(cell)


@pytest.mark.parametrize("cell, fen", [("1,234.50", 123450), ("¥88", 8800), ("12元", 1200), (0.1, 10),
                                       (1234, 123400), ("0.07", 7)])
def test_yuan_become_integer_fen(cell, fen):
    assert parse_fen(cell) == fen


@pytest.mark.parametrize("cell, text", [("1.234", "两位小数"), ("-5", "负数"), ("abc", "不是数字")])
def test_bad_amounts_are_row_errors(cell, text):
    with pytest.raises(CellError, match=text):
        parse_fen(cell)


# --- a complete slice: persons, then an event source matched to them --------------------------------
def test_persons_are_registered_then_events_are_matched_by_id_number(world, tmp_path):
    ids = person_ids(3)
    roll = write_csv(tmp_path, PERSON_HEADER, [
        ["赵一", ids[0], VILLAGE, "梅园新村1号", "13812345678"],
        ["钱二", ids[1], TOWNSHIP, "", ""],
        ["孙三", ids[2], VILLAGE, "", ""]], name="roll.csv")
    before = Person.objects.count()
    batch = run("persons", roll)
    assert batch.status == BatchStatus.COMMITTED, errors_of(batch)
    assert (batch.rows_written, batch.persons_created, batch.rows_matched) == (3, 3, 3)
    zhao = Person.objects.get(name="赵一")
    assert zhao.id_number.reveal() == ids[0] and zhao.birth_date == date(1980, 1, 1)
    assert zhao.phone.reveal() == "13812345678" and zhao.source == "import"
    assert Person.objects.count() == before + 3

    # The same roll again: everybody is already registered, nobody is created twice.
    again = run("persons", roll)
    assert (again.status, again.persons_created, again.rows_matched) == (BatchStatus.COMMITTED, 0, 3)

    deaths = write_csv(tmp_path, DEATH_HEADER, [
        ["赵一", ids[0], "2024/3/1", "疾病", VILLAGE],
        ["无名氏", "", "2024年3月2日", "", VILLAGE]], name="deaths.csv")
    batch = run("deaths", deaths)
    assert batch.status == BatchStatus.COMMITTED, errors_of(batch)
    matched, unlinked = DepartmentRecord.objects.filter(batch=batch).order_by("row_number")
    assert (matched.person_id, matched.linkage, matched.event_date) == (zhao.pk, Linkage.MATCHED, date(2024, 3, 1))
    assert matched.id_number.reveal() == ids[0] and matched.data == {"cause": "疾病"}
    assert (unlinked.person_id, unlinked.linkage, unlinked.id_number_index) == (None, Linkage.UNLINKED, "")
    assert (batch.rows_matched, batch.rows_unlinked) == (1, 1)


def test_hospital_bills_store_the_out_of_pocket_amount_in_fen(world, tmp_path):
    path = write_csv(tmp_path, BILL_HEADER, [
        ["病人甲", person_ids(1)[0], "20240105", "鼓楼医院", "\"12,000.00\"", "3456.78", VILLAGE]])
    batch = run("hospital_bills", path)
    record = DepartmentRecord.objects.get(batch=batch)
    assert (record.amount_fen, record.event_date) == (345678, date(2024, 1, 5))
    assert record.data == {"hospital": "鼓楼医院", "total_fen": 1200000}


def test_a_gbk_csv_is_read(world, tmp_path):
    path = write_csv(tmp_path, DEATH_HEADER, [["张三丰", "", "2024-03-01", "意外", VILLAGE]], encoding="gbk")
    batch = run("deaths", path)
    assert (batch.status, batch.encoding) == (BatchStatus.COMMITTED, "gb18030")
    assert DepartmentRecord.objects.get(batch=batch).name == "张三丰"


def test_a_csv_with_a_bom_and_aliases_and_an_xlsx_with_date_cells_are_read(world, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "姓名,身份证号码,死亡日期,区划代码\n甲,,2024-03-01,320102002001\n".encode())
    assert run("deaths", path).status == BatchStatus.COMMITTED
    xlsx = write_xlsx(tmp_path, DEATH_HEADER, [["乙", person_ids(1)[0], date(2024, 3, 4), None, VILLAGE],
                                                ["丙", None, 45296, "病", int(VILLAGE)]])
    batch = run("deaths", xlsx)
    assert batch.status == BatchStatus.COMMITTED, errors_of(batch)
    assert sorted(DepartmentRecord.objects.filter(batch=batch).values_list("event_date", flat=True)) == [
        date(2024, 1, 5), date(2024, 3, 4)]


# --- bad input: a clear error and nothing written -----------------------------------------------------
def _refused(tmp_path: Path, source: str, path: Path, *, status: str = BatchStatus.REJECTED
             ) -> tuple[ImportBatch, list[tuple[int, str, str]]]:
    before = totals()
    batch = run(source, path)
    assert batch.status == status
    assert totals() == before, "a refused file wrote something"
    return batch, errors_of(batch)


def test_an_undecodable_file_is_one_clear_error(world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名,身份证号,死亡日期,区划代码\n".encode() + b"\xff\xfe\xfd\x80\x80\n")
    batch, errors = _refused(tmp_path, "deaths", path)
    assert errors == [(0, "", batch.file_error)] and "UTF-8" in batch.file_error and "GBK" in batch.file_error


def test_binary_and_old_excel_files_are_named_as_such(world, tmp_path):
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02abc")
    assert "二进制" in _refused(tmp_path, "deaths", binary)[0].file_error
    xls = tmp_path / "x.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert ".xls" in _refused(tmp_path, "deaths", xls)[0].file_error


def test_a_missing_required_column_rejects_the_file(world, tmp_path):
    path = write_csv(tmp_path, ["姓名", "身份证号", "区划代码"], [["甲", "", VILLAGE]])
    batch, _errors = _refused(tmp_path, "deaths", path)
    assert "缺少必需的列：死亡日期" in batch.file_error


def test_an_unknown_extra_column_rejects_the_file(world, tmp_path):
    path = write_csv(tmp_path, [*DEATH_HEADER, "备注二"], [["甲", "", "2024-01-01", "", VILLAGE, "x"]])
    batch, _errors = _refused(tmp_path, "deaths", path)
    assert "无法识别的列：备注二" in batch.file_error


def test_duplicate_rows_name_the_first_occurrence(world, tmp_path):
    row = ["甲", "", "2024-01-01", "病", VILLAGE]
    path = write_csv(tmp_path, DEATH_HEADER, [row, ["乙", "", "2024-01-02", "", VILLAGE], row])
    _batch, errors = _refused(tmp_path, "deaths", path)
    assert errors == [(4, "", "与第 2 行完全重复")]
    ids = person_ids(1)
    roll = write_csv(tmp_path, PERSON_HEADER, [["甲", ids[0], VILLAGE, "", ""], ["乙", ids[0], VILLAGE, "", ""]])
    _batch, errors = _refused(tmp_path, "persons", roll)
    assert errors == [(3, "身份证号", "与第 2 行重复（身份证号相同）")]


def test_every_bad_cell_is_reported_with_row_column_and_reason(world, tmp_path):
    path = write_csv(tmp_path, DEATH_HEADER, [
        ["甲", "320102198001011234", "2024-01-05", "", VILLAGE],  # wrong check digit
        ["乙", "", "01/05/2024", "", VILLAGE],
        ["丙", "", "2024-02-30", "", OTHER_VILLAGE],
        ["", "", "2099-01-01", "", "32010200200"],
        ["丁", "", "2024-01-05", "", VILLAGE]])
    _batch, errors = _refused(tmp_path, "deaths", path)
    assert [(r, c) for r, c, _reason in errors] == [
        (2, "身份证号"), (3, "死亡日期"), (4, "死亡日期"), (4, "区划代码"), (5, "姓名"), (5, "死亡日期"),
        (5, "区划代码")]
    reasons = {(r, c): reason for r, c, reason in errors}
    assert "校验码" in reasons[(2, "身份证号")] and "顺序不明确" in reasons[(3, "死亡日期")]
    assert "不在本次导入的区划" in reasons[(4, "区划代码")] and reasons[(5, "姓名")] == "必填项为空"
    assert "晚于今天" in reasons[(5, "死亡日期")]


def test_a_truncated_excel_file_is_a_clear_error(world, tmp_path):
    good = write_xlsx(tmp_path, DEATH_HEADER, [["甲", None, "2024-01-01", None, VILLAGE]] * 50, name="good.xlsx")
    data = good.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    batch, _errors = _refused(tmp_path, "deaths", cut)
    assert "损坏或不完整" in batch.file_error
    # A sheet whose XML breaks off midway (the zip itself readable).
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                content = content[: len(content) * 2 // 3]
            dst.writestr(item, content)
    batch, _errors = _refused(tmp_path, "deaths", broken)
    assert "损坏或不完整" in batch.file_error


def test_an_excel_id_number_stored_as_a_number_is_a_row_error(world, tmp_path):
    path = write_xlsx(tmp_path, DEATH_HEADER, [["甲", 3.20102198001011e17, "2024-01-01", None, VILLAGE]])
    _batch, errors = _refused(tmp_path, "deaths", path)
    assert errors[0][:2] == (2, "身份证号") and "数字" in errors[0][2]


def test_a_file_over_the_limit_is_refused_before_it_is_read(world, tmp_path, settings):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(2 * 1024 ** 3)  # a sparse 2 GB file: nothing is written to disk
    before = (totals(), ImportBatch.objects.count())
    with pytest.raises(DomainError, match="超过导入上限") as caught:
        run("deaths", huge)
    assert caught.value.status == 413
    assert (totals(), ImportBatch.objects.count()) == before


def test_empty_and_header_only_files_are_refused(world, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "空的" in _refused(tmp_path, "deaths", empty)[0].file_error
    header_only = write_csv(tmp_path, DEATH_HEADER, [])
    assert "没有数据行" in _refused(tmp_path, "deaths", header_only)[0].file_error


def test_accept_valid_writes_the_good_rows_and_lists_the_bad(world, tmp_path):
    path = write_csv(tmp_path, DEATH_HEADER, [["甲", "", "2024-01-01", "", VILLAGE],
                                              ["乙", "", "不详", "", VILLAGE],
                                              ["丙", "", "2024-01-03", "", VILLAGE]])
    strict = run("deaths", path)
    assert strict.status == BatchStatus.REJECTED and not DepartmentRecord.objects.exists()
    batch = run("deaths", path, mode=BatchMode.ACCEPT_VALID)
    assert (batch.status, batch.rows_written, batch.rows_error) == (BatchStatus.COMMITTED, 2, 1)
    assert [e[:2] for e in errors_of(batch)] == [(3, "死亡日期")]
    assert sorted(DepartmentRecord.objects.values_list("name", flat=True)) == sorted(["甲", "丙"])


def test_a_dry_run_writes_nothing(world, tmp_path):
    path = write_csv(tmp_path, DEATH_HEADER, [["甲", "", "2024-01-01", "", VILLAGE]])
    before = totals()
    batch = run("deaths", path, dry_run=True)
    assert (batch.status, batch.rows_valid, batch.dry_run) == (BatchStatus.VALIDATED, 1, True)
    assert totals() == before


# --- program rolls --------------------------------------------------------------------------------------
def test_a_program_roll_records_memberships_for_registered_persons(world, tmp_path):
    ids = person_ids(3)
    run("persons", write_csv(tmp_path, PERSON_HEADER, [["甲", ids[0], VILLAGE, "", ""],
                                                       ["乙", ids[1], VILLAGE, "", ""]], name="p.csv"))
    roll = write_csv(tmp_path, ROLL_HEADER, [
        ["甲", ids[0], "特困人员", "2024-01-01", "TK-1", VILLAGE],
        ["乙", ids[1], "低保", "2024-01-01", "", VILLAGE],
        ["丙", ids[2], "特困", "2024-01-01", "", VILLAGE]])
    _batch, errors = _refused(tmp_path, "program_roll", roll, status=BatchStatus.REJECTED)
    assert errors == [(3, "救助类别", "“低保”按家庭登记，但该人员尚未登记家庭，请先在救助对象库中登记其家庭")]
    yi = Person.objects.get(name="乙")
    household = Household.objects.create(region=yi.residence_region)
    HouseholdMember.objects.create(household=household, person=yi, relation="head")
    batch = run("program_roll", roll)
    assert (batch.status, batch.memberships_created, batch.rows_unlinked) == (BatchStatus.COMMITTED, 2, 1)
    tekun = Membership.objects.get(program__code="tekun", person__name="甲")
    assert (tekun.reference, tekun.reporting_department.code) == ("TK-1", "civil_affairs")
    assert Membership.objects.get(program__code="dibao").household == household
    # The roll again: the memberships are open already, none is added twice.
    before = Membership.objects.count()
    assert run("program_roll", roll).memberships_created == 0
    assert Membership.objects.count() == before


# --- undo -----------------------------------------------------------------------------------------------
def test_undo_removes_exactly_what_the_batch_wrote(world, tmp_path, approver):
    ids = person_ids(2)
    batch = run("persons", write_csv(tmp_path, PERSON_HEADER, [["甲", ids[0], VILLAGE, "", ""],
                                                               ["乙", ids[1], VILLAGE, "", ""]]))
    persons_before_batch = Person.objects.count() - 2
    services.batch_undo(actor=approver, batch=batch, version=batch.version, reason="文件有误")
    batch.refresh_from_db()
    assert (batch.status, batch.undo_reason, batch.undone_by) == (BatchStatus.UNDONE, "文件有误", approver)
    assert Person.objects.count() == persons_before_batch
    assert not DepartmentRecord.objects.filter(batch=batch).exists() and not BatchCreated.objects.exists()
    with pytest.raises(DomainError, match="已撤销"):
        services.batch_undo(actor=approver, batch=batch, version=batch.version, reason="再次")


def test_undo_is_refused_when_a_created_record_was_changed_or_is_referred_to(world, tmp_path, approver):
    ids = person_ids(2)
    batch = run("persons", write_csv(tmp_path, PERSON_HEADER, [["甲", ids[0], VILLAGE, "", ""],
                                                               ["乙", ids[1], VILLAGE, "", ""]], name="p.csv"))
    # A later batch's record refers to a person this batch created.
    run("deaths", write_csv(tmp_path, DEATH_HEADER, [["甲", ids[0], "2024-01-01", "", VILLAGE]], name="d.csv"))
    before = totals()
    with pytest.raises(DomainError, match="已被其他记录引用（部门数据记录）") as caught:
        services.batch_undo(actor=approver, batch=batch, version=batch.version, reason="误导入")
    assert caught.value.status == 409 and totals() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED

    other = run("persons", write_csv(tmp_path, PERSON_HEADER, [["丙", person_ids(1, 300)[0], VILLAGE, "", ""]],
                                     name="p2.csv"))
    Person.objects.filter(name="丙").update(version=2)  # someone corrected the record since
    before = totals()
    with pytest.raises(DomainError, match="已被修改"):
        services.batch_undo(actor=approver, batch=other, version=other.version, reason="误导入")
    assert totals() == before


# --- permissions -----------------------------------------------------------------------------------------
def test_who_may_import_which_source(world, tmp_path, approver, handler):
    deaths = write_csv(tmp_path, DEATH_HEADER, [["甲", "", "2024-01-01", "", VILLAGE]], name="d.csv")
    roll = write_csv(tmp_path, PERSON_HEADER, [["甲", person_ids(1)[0], VILLAGE, "", ""]], name="p.csv")
    bills = write_csv(tmp_path, BILL_HEADER, [["甲", "", "2024-01-01", "院", "1", "1", VILLAGE]], name="b.csv")
    assert run("deaths", deaths, actor=handler).status == BatchStatus.COMMITTED  # 卫健's own source
    before = (totals(), ImportBatch.objects.count())
    for source, path in (("persons", roll), ("hospital_bills", bills)):
        with pytest.raises(DomainError) as caught:
            run(source, path, actor=handler)
        assert caught.value.status == 403
    with pytest.raises(DomainError) as caught:
        run("deaths", deaths, actor=approver, region="320106000000")  # 鼓楼区: outside the grant
    assert caught.value.status == 403
    assert (totals(), ImportBatch.objects.count()) == before
    assert run("persons", roll, actor=approver).status == BatchStatus.COMMITTED


# --- command line ---------------------------------------------------------------------------------------
def test_the_command_imports_with_a_progress_bar(world, tmp_path):
    rows = [[f"人{i}", "", "2024-01-01", "", VILLAGE] for i in range(12000)]
    path = write_csv(tmp_path, DEATH_HEADER, rows)
    out = io.StringIO()
    call_command("import", "deaths", str(path), "--region", XUANWU, stdout=out)
    text = out.getvalue()
    assert "[" in text and "100%" in text and "12,000 / 12,000 行" in text
    assert "已导入 12000" in text and "行/秒" in text
    assert DepartmentRecord.objects.count() == 12000


def test_the_command_reports_errors_and_writes_nothing_unless_told(world, tmp_path):
    path = write_csv(tmp_path, DEATH_HEADER, [["甲", "", "2024-01-01", "", VILLAGE], ["乙", "", "x", "", VILLAGE]])
    out = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", "deaths", str(path), "--region", XUANWU, stdout=out)
    assert "第 3 行 死亡日期" in out.getvalue() and not DepartmentRecord.objects.exists()
    with pytest.raises(CommandError, match="仅校验"):
        call_command("import", "deaths", str(path), "--region", XUANWU, "--dry-run", stdout=io.StringIO())
    assert not DepartmentRecord.objects.exists()
    call_command("import", "deaths", str(path), "--region", XUANWU, "--accept-valid", stdout=io.StringIO())
    assert DepartmentRecord.objects.count() == 1
    call_command("import", "deaths", str(path), "--accept-valid", stdout=io.StringIO())  # region: the province
    assert ImportBatch.objects.order_by("-pk").first().region.code == PROVINCE  # type: ignore[union-attr]


# --- API --------------------------------------------------------------------------------------------------
def _api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, source: str, name: str, content: bytes, **extra: Any) -> Any:
    return client.post("/api/v1/imports", {"source": source, "region": XUANWU,
                                           "file": SimpleUploadedFile(name, content)}, **extra)


def test_the_api_uploads_previews_confirms_and_undoes(world, handler):
    client = _api(handler)
    body = "姓名,身份证号,死亡日期,死亡原因,区划代码\n甲,,2024-01-01,病,320102002001\n乙,,昨天,,320102002001\n"
    response = _upload(client, "deaths", "d.csv", body.encode("gbk"))
    assert response.status_code == 201, response.content
    batch = response.json()
    assert (batch["status"], batch["rows_valid"], batch["rows_error"], batch["encoding"]) == (
        "validated", 1, 1, "gb18030")
    assert batch["preview"][0]["values"]["姓名"] == "甲" and not DepartmentRecord.objects.exists()
    errors = client.get(f"/api/v1/imports/{batch['id']}/errors").json()
    assert errors["count"] == 1 and errors["items"][0]["column"] == "死亡日期"

    refused = client.post(f"/api/v1/imports/{batch['id']}/confirm", {"version": batch["version"]},
                          content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_rows"
    assert not DepartmentRecord.objects.exists()
    done = client.post(f"/api/v1/imports/{batch['id']}/confirm", {"version": batch["version"], "mode": "accept_valid"},
                       content_type="application/json")
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["rows_written"]) == ("committed", 1)
    stale = client.post(f"/api/v1/imports/{batch['id']}/undo", {"version": batch["version"], "reason": "错"},
                        content_type="application/json")
    assert stale.status_code == 409
    undone = client.post(f"/api/v1/imports/{batch['id']}/undo", {"version": done.json()["version"], "reason": "错"},
                         content_type="application/json")
    assert undone.json()["status"] == "undone" and not DepartmentRecord.objects.exists()
    history = client.get("/api/v1/imports").json()
    assert [b["id"] for b in history["items"]] == [batch["id"]]
    sources = client.get("/api/v1/imports/sources").json()
    assert "deaths" in {s["code"] for s in sources}


def test_the_api_refuses_a_2_gb_upload_before_reading_it(world, handler):
    client = _api(handler)
    before = ImportBatch.objects.count()
    response = _upload(client, "deaths", "big.csv", b"x", CONTENT_LENGTH=str(2 * 1024 ** 3))
    assert response.status_code == 413 and "超过导入上限" in response.json()["message"]
    assert ImportBatch.objects.count() == before


def test_an_upload_that_streams_past_the_limit_is_stopped(world, handler, settings):
    settings.JIJINAN_IMPORT_MAX_BYTES = 1000
    client = _api(handler)
    response = _upload(client, "deaths", "big.csv", b"a,b\n" * 400_000)
    assert response.status_code == 413 and ImportBatch.objects.count() == 0


def test_the_api_discards_and_a_rejected_file_keeps_its_reason(world, handler):
    client = _api(handler)
    response = _upload(client, "deaths", "d.csv", "姓名,死亡日期\n甲,2024-01-01\n".encode())
    assert response.status_code == 201
    assert response.json()["status"] == "rejected" and "缺少必需的列" in response.json()["file_error"]
    ok = _upload(client, "deaths", "d.csv", "姓名,死亡日期,区划代码\n甲,2024-01-01,320102002001\n".encode()).json()
    gone = client.post(f"/api/v1/imports/{ok['id']}/discard", {"version": ok["version"]},
                       content_type="application/json")
    assert gone.json()["status"] == "discarded"
    again = client.post(f"/api/v1/imports/{ok['id']}/confirm", {"version": gone.json()["version"]},
                        content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "wrong_status"


# --- pages ------------------------------------------------------------------------------------------------
def test_the_pages_upload_preview_confirm_and_list(world, approver, tmp_path, django_assert_max_num_queries):
    client = _api(approver)
    page = client.get("/exchange/")
    assert page.status_code == 200 and "救助对象名册" in page.content.decode()
    template = client.get("/exchange/sources/deaths/template/")
    assert template.content.startswith(codecs.BOM_UTF8) and "死亡日期" in template.content.decode("utf-8-sig")
    assert client.get("/exchange/sources/deaths/template/?format=xlsx").content.startswith(b"PK")
    ids = person_ids(2)
    body = f"姓名,身份证号,居住地区划代码\n甲,{ids[0]},{VILLAGE}\n乙,{ids[1]},{VILLAGE}\n".encode()
    response = client.post("/exchange/upload/", {"source": "persons", "region_code": XUANWU,
                                                 "mode": "all_or_nothing",
                                                 "file": SimpleUploadedFile("roll.csv", body)})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    detail = client.get(f"/exchange/batches/{batch.pk}/").content.decode()
    assert ids[0] not in detail and ids[0][0] + "*" * 16 + ids[0][-1] in detail and "预览" in detail
    client.post(f"/exchange/batches/{batch.pk}/confirm/", {"version": batch.version, "mode": "all_or_nothing"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.persons_created == 2
    for i in range(5):
        run("deaths", write_csv(tmp_path, DEATH_HEADER, [[f"人{i}", "", "2024-01-01", "", VILLAGE]], name=f"{i}.csv"),
            actor=approver)
    with django_assert_max_num_queries(9):  # the page, and the shell's unread-notice count
        listing = client.get("/exchange/batches/")
    assert listing.status_code == 200 and listing.content.decode().count("/exchange/batches/") >= 6
    with django_assert_max_num_queries(9):
        client.get(f"/exchange/batches/{batch.pk}/")
    errors = client.get(f"/exchange/batches/{batch.pk}/errors/")
    assert errors.status_code == 200 and errors.content.startswith(codecs.BOM_UTF8)
    refused = client.post(f"/exchange/batches/{batch.pk}/undo/", {"version": batch.version, "reason": "x"})
    assert refused.status_code == 400  # the confirmation box was not ticked
    client.post(f"/exchange/batches/{batch.pk}/undo/", {"version": batch.version, "reason": "误传", "confirm": "on"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE


def test_the_upload_page_refuses_a_declared_2_gb_upload(world, approver):
    client = _api(approver)
    response = client.post("/exchange/upload/", {"source": "deaths", "region_code": XUANWU,
                                                 "file": SimpleUploadedFile("x.csv", b"x")},
                           CONTENT_LENGTH=str(2 * 1024 ** 3))
    assert response.status_code == 302 and ImportBatch.objects.count() == 0


def test_the_api_history_list_has_a_fixed_number_of_queries(world, handler, tmp_path,
                                                           django_assert_max_num_queries):
    for i in range(6):
        run("deaths", write_csv(tmp_path, DEATH_HEADER, [[f"人{i}", "", "2024-01-01", "", VILLAGE]], name=f"{i}.csv"))
    client = _api(handler)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/imports")
    assert response.json()["count"] == 6


def test_large_uploads_are_validated_by_the_worker(world, handler, tmp_path):
    from jijinan.core.jobs.queue import Worker  # noqa: F401
    from jijinan.core.models import Job
    from jijinan.exchange.tasks import validate_batch

    path = write_csv(tmp_path, DEATH_HEADER, [["甲", "", "2024-01-01", "", VILLAGE]])
    batch = services.batch_upload(actor=handler, data=services.UploadInput(
        source="deaths", region_code=XUANWU, file_name="d.csv", path=path), inline=False)
    assert batch.status == BatchStatus.VALIDATING
    job = Job.objects.get(name="exchange.validate_batch")
    validate_batch(job.payload)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_valid, batch.progress_percent) == (BatchStatus.VALIDATED, 1, 100)

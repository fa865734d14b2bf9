"""Excel files through the upload page: the product's own template, filled in Excel's way, is
previewed and imported, reads exactly as the command line reads it, and a damaged one is refused
with a clear reason."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from jijinan.core.permissions import Role
from jijinan.exchange.choices import BatchStatus
from jijinan.exchange.models import DepartmentRecord, ImportBatch, ImportRowError
from jijinan.registry.models import Person
from tests.permission_cases.registry import valid_id
from tests.world import XUANWU, World, persona

VILLAGE = "320102002001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def extend_module_world(world: World) -> None:
    DepartmentRecord.objects.all().delete()
    ImportRowError.objects.all().delete()
    ImportBatch.objects.all().delete()


@pytest.fixture
def client(world):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(persona(world, Role.COUNTY_APPROVER, at=XUANWU))
    return client


def filled_template(client: Client, source: str, rows: list[dict[str, Any]]) -> bytes:
    """The template downloaded from the page, filled in under its own headers."""
    response = client.get(f"/exchange/sources/{source}/template/", {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h) for h in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client: Client, source: str, name: str, content: bytes, mode: str = "all_or_nothing") -> Any:
    return client.post("/exchange/upload/", {"source": source, "region_code": XUANWU, "mode": mode,
                                             "file": SimpleUploadedFile(name, content, content_type=XLSX)})


def test_the_downloaded_template_filled_in_excel_is_previewed_and_imported(world, client):
    ids = [valid_id("320102", "19800101", 700 + i) for i in range(2)]
    content = filled_template(client, "persons", [
        {"姓名": "张三", "身份证号": ids[0], "居住地区划代码": VILLAGE, "居住地址": "示例路 1 号"},
        {"姓名": "李四", "身份证号": ids[1], "居住地区划代码": VILLAGE}])
    response = upload(client, "persons", "名册.xlsx", content)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.file_format, batch.rows_valid, batch.rows_error) == (
        BatchStatus.VALIDATED, "xlsx", 2, 0), batch.file_error
    detail = client.get(response["Location"]).content.decode()
    assert "预览" in detail and "张三" in detail and "李四" in detail and "损坏" not in detail
    assert ids[0] not in detail  # the preview masks the ID number
    assert not Person.objects.filter(name__in=["张三", "李四"]).exists()

    client.post(f"/exchange/batches/{batch.pk}/confirm/", {"version": batch.version, "mode": "all_or_nothing"})
    batch.refresh_from_db()
    assert (batch.status, batch.rows_written, batch.persons_created) == (BatchStatus.COMMITTED, 2, 2)
    assert set(Person.objects.filter(name__in=["张三", "李四"]).values_list("name", flat=True)) == {"张三", "李四"}


def test_the_page_and_the_command_read_the_same_file_alike(world, client, tmp_path):
    content = filled_template(client, "deaths", [
        {"姓名": "王五", "死亡日期": "2024-03-04", "区划代码": VILLAGE},
        {"姓名": "赵六", "死亡日期": "昨天", "区划代码": VILLAGE}])
    path = Path(tmp_path) / "deaths.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="仅校验"):  # a dry run with a bad row ends in an error
        call_command("import", "deaths", str(path), "--region", XUANWU, "--dry-run", stdout=io.StringIO())
    by_command = ImportBatch.objects.get()
    response = upload(client, "deaths", "deaths.xlsx", content)
    assert response.status_code == 302
    by_page = ImportBatch.objects.exclude(pk=by_command.pk).get()
    assert by_page.status == BatchStatus.VALIDATED and not by_page.file_error
    for batch in (by_command, by_page):
        assert (batch.file_format, batch.rows_total, batch.rows_valid, batch.rows_error) == ("xlsx", 2, 1, 1)
    errors = [list(ImportRowError.objects.filter(batch=b).values_list("row", "column")) for b in (by_command, by_page)]
    assert errors[0] == errors[1] == [(3, "死亡日期")]
    assert by_page.preview == by_command.preview and by_page.preview[0]["values"]["姓名"] == "王五"


@pytest.mark.parametrize("damage", ["truncated", "not_a_zip"])
def test_a_really_damaged_excel_file_is_refused_with_a_clear_reason(world, client, damage):
    good = filled_template(client, "deaths", [{"姓名": f"人{i}", "死亡日期": "2024-01-01", "区划代码": VILLAGE}
                                                for i in range(40)])
    assert upload(client, "deaths", "good.xlsx", good).status_code == 302
    accepted = ImportBatch.objects.get()
    assert (accepted.status, accepted.rows_valid) == (BatchStatus.VALIDATED, 40)  # the refusal below is the damage's
    content = good[: len(good) // 2] if damage == "truncated" else b"this is not a spreadsheet at all\n" * 10
    response = upload(client, "deaths", "deaths.xlsx", content)
    assert response.status_code == 302
    batch = ImportBatch.objects.exclude(pk=accepted.pk).get()
    assert batch.status == BatchStatus.REJECTED and not DepartmentRecord.objects.exists()
    detail = client.get(response["Location"]).content.decode()
    assert "Excel 文件已损坏或不完整" in detail or "内容不是 Excel 文件，文件可能已损坏" in detail
    assert "损坏" in batch.file_error

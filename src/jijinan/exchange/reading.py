"""Reading department files: CSV (UTF-8 with or without BOM, else GB18030, which covers GBK)
and Excel .xlsx, row by row, with clear file-level errors for what cannot be read at all."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError
from jijinan.exchange.errors import ExchangeErrorCode as E

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container


class FileProblem(DomainError):
    """The file as a whole cannot be imported: nothing of it is read into the database."""


def max_import_bytes() -> int:
    return int(getattr(settings, "JIJINAN_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_size(size: int) -> None:
    limit = max_import_bytes()
    if size > limit:
        raise FileProblem(_("文件大小为 %(size)s MB，超过导入上限 %(limit)s MB，请拆分后分批导入") % {
            "size": _mb(size), "limit": _mb(limit)}, code=E.FILE_TOO_LARGE, status=413)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f}"


@dataclass
class FileInfo:
    """What a first pass over the file learned: digest, size, format, encoding, rows (estimate)."""

    sha256: str
    size: int
    file_format: str  # "csv" or "xlsx"
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "" for Excel
    rows_estimate: int


def inspect_file(path: Path, *, name: str = "") -> FileInfo:
    """Digest and classify the file; decide the text encoding of a CSV."""
    size = path.stat().st_size
    check_size(size)
    if size == 0:
        raise FileProblem(_("文件是空的"), code=E.FILE_EMPTY)
    digest = hashlib.sha256()
    lines = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    with path.open("rb") as f:
        head = f.read(8)
        f.seek(0)
        if head.startswith(OLE_MAGIC):
            raise FileProblem(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再导入"),
                              code=E.FILE_FORMAT)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileProblem(_("文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为 CSV（UTF-8）或 .xlsx"),
                              code=E.FILE_ENCODING)
        is_zip = head.startswith(XLSX_MAGIC)
        if not is_zip and name.lower().endswith((".xlsx", ".xlsm")):
            raise FileProblem(_("文件扩展名为 .xlsx，但内容不是 Excel 文件，文件可能已损坏"), code=E.FILE_CORRUPT)
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
            if is_zip:
                continue
            lines += chunk.count(b"\n")
            if b"\x00" in chunk:
                raise FileProblem(_("文件含有二进制内容，不是 CSV 文本文件，也不是 .xlsx 文件"), code=E.FILE_FORMAT)
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
    if is_zip:
        return FileInfo(digest.hexdigest(), size, "xlsx", "", 0)
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    else:
        encoding = "gb18030"
        _check_decodes(path, encoding)
    return FileInfo(digest.hexdigest(), size, "csv", encoding, lines)


def _check_decodes(path: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise FileProblem(
                    _("无法识别文件的文字编码（第 %(pos)s 字节起既不是 UTF-8 也不是 GBK/GB18030）。"
                      "请在 Excel 或 WPS 中另存为“CSV UTF-8”后再导入") % {"pos": f"{offset + exc.start:,}"},
                    code=E.FILE_ENCODING) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileProblem(_("文件末尾的文字不完整，文件可能被截断"), code=E.FILE_ENCODING) from None


Cell = Any  # str from CSV; str, int, float, datetime or None from Excel
Rows = Iterator[tuple[int, list[Cell]]]


@dataclass
class OpenedFile:
    header: list[str]
    rows: Rows  # (row number: the header is row 1, cells)
    close: Callable[[], None]


def open_rows(path: Path, info: FileInfo) -> OpenedFile:
    """The header and the data rows of the file; blank rows are skipped.

    The one way every caller (the pages, the API, the worker and the command line) reads a file:
    the format is the one ``inspect_file`` found in the content, never the file's name, because
    an upload is kept under a name of our own without the department's extension.
    """
    if info.file_format == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path, info.encoding)


def _open_csv(path: Path, encoding: str) -> OpenedFile:
    f = path.open("r", encoding=encoding, newline="")
    first = f.readline()
    f.seek(0)
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(f, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        f.close()
        raise FileProblem(_("文件是空的"), code=E.FILE_EMPTY) from None
    except csv.Error as exc:
        f.close()
        raise FileProblem(_("无法读取表头：%(error)s") % {"error": exc}, code=E.FILE_FORMAT) from None

    def rows() -> Rows:
        number = 1
        try:
            for cells in reader:
                number = reader.line_num
                if any(c.strip() for c in cells):
                    yield number, cells
        except csv.Error as exc:
            raise FileProblem(_("第 %(row)s 行附近的 CSV 格式有误（%(error)s），可能是引号没有成对") % {
                "row": number + 1, "error": exc}, code=E.FILE_FORMAT) from None

    return OpenedFile([h.strip() for h in header], rows(), f.close)


def _corrupt() -> FileProblem:
    return FileProblem(_("Excel 文件已损坏或不完整（可能上传中断或被截断），请重新保存后再导入"), code=E.FILE_CORRUPT)


def _open_xlsx(path: Path) -> OpenedFile:
    import openpyxl

    # openpyxl given a path refuses one without an Excel extension; given the open file it reads
    # the content, which inspect_file has already recognised as a zip container.
    handle = path.open("rb")
    workbook: Any = None

    def close() -> None:
        if workbook is not None:
            workbook.close()
        handle.close()

    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header_row = next(iterator, None)
    except Exception as exc:  # a bad zip, a missing member, XML errors of a truncated one …
        close()
        raise _corrupt() from exc
    if header_row is None:
        close()
        raise FileProblem(_("文件是空的"), code=E.FILE_EMPTY)
    header = [("" if c is None else str(c)).strip() for c in header_row]
    while header and header[-1] == "":
        header.pop()

    def rows() -> Rows:
        number = 1
        try:
            for values in iterator:
                number += 1
                cells = list(values)
                if any(c is not None and str(c).strip() for c in cells):
                    yield number, cells
        except Exception as exc:
            raise _corrupt() from exc

    return OpenedFile(header, rows(), close)


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """A CSV in UTF-8 with BOM (Excel on Windows then shows the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list[Any]], *, title: str = "Sheet1") -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

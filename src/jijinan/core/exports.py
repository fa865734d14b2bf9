"""Exports of the lists a user can see to Excel: typed columns, safe cells, a row cap, one log row.

Every list export goes through ``export_list``: the app passes the rows of its own scoped selector
(never a second query path), the columns, and whether protected values are shown in clear. The
workbook is streamed row by row (XlsxWriter ``constant_memory``) into a temporary file:

* every text cell is written as a string — ID numbers and phone numbers stay text, leading zeros
  and all 18 digits kept, never turned into numbers;
* a text that Excel would read as a formula when edited (it starts with = + - @, a tab or a
  carriage return) carries Excel's own "quote prefix" (the apostrophe a person would type), and
  nothing is ever written as a formula (``strings_to_formulas`` off);
* money in integer fen becomes a number of yuan shown with two decimals; times are shown in
  Asia/Shanghai;
* the sheet opens with the list's title and a line saying who exported it, when, with which
  filters, and whether protected values are masked; a second sheet repeats that with the reason
  and the row count, so a copy that leaves the office still says where it came from.

An export above ``max_rows`` is refused with a message asking for narrower filters, before
anything is read. Each export writes one access-log row (who, which list, filters, rows, masked
or not, the reason), through the audit app's recorder (``core.audit_hook``).

CSV is deliberately not offered: Excel opens a CSV with its own type guessing, which turns an
18-digit ID number into a rounded number, so only the typed workbook keeps the data intact.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import xlsxwriter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.audit_hook import record_access
from jijinan.core.errors import DomainError, Forbidden

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 200_000
CHUNK_SIZE = 2000
REASON_MAX_LENGTH = 200
# Excel starts a formula (or a DDE call) with these when a person edits the cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_ROWS = 3  # title, the who/when/filters line, the column headers
STREAM_ABOVE_BYTES = 4 * 1024 * 1024


class ExportErrorCode(StrEnum):
    TOO_MANY_ROWS = "export_too_many_rows"
    REASON_REQUIRED = "export_reason_required"
    UNMASK_FORBIDDEN = "export_unmask_forbidden"


class ColumnKind(StrEnum):
    TEXT = "text"
    ID_NUMBER = "id_number"  # text, always: 18 characters, possibly an X, leading zeros kept
    PHONE = "phone"  # text, always: "+86…" and leading zeros kept
    MONEY_FEN = "money_fen"  # integer fen → yuan, two decimals
    NUMBER = "number"  # counts, ages
    DATE = "date"
    DATETIME = "datetime"  # shown in Asia/Shanghai
    BOOL = "bool"  # 是 / 否


# Column widths in Excel character units; Chinese characters count twice.
_WIDTHS = {ColumnKind.TEXT: 16, ColumnKind.ID_NUMBER: 22, ColumnKind.PHONE: 16,
           ColumnKind.MONEY_FEN: 14, ColumnKind.NUMBER: 10, ColumnKind.DATE: 12,
           ColumnKind.DATETIME: 20, ColumnKind.BOOL: 8}


@dataclass(frozen=True)
class Column:
    """One column: the row key it shows, its Chinese header, its kind, an optional width."""

    key: str
    header: str | Promise
    kind: ColumnKind = ColumnKind.TEXT
    width: int | None = None

    def display_width(self) -> int:
        header = str(self.header)
        header_width = sum(2 if ord(c) > 0x2E7F else 1 for c in header) + 2
        return self.width or max(_WIDTHS[self.kind], header_width)


@dataclass(frozen=True)
class ExportSpec:
    """What a list exports: its title (sheet and file name), the record type named in the access
    log, its columns, and the protected or sensitive fields among them (the log's "fields")."""

    title: str | Promise
    subject_type: str
    columns: Sequence[Column]
    fields: Sequence[str]


@dataclass(frozen=True)
class ExportOptions:
    """What the user asked for: protected values in clear (with a reason) or masked."""

    unmask: bool = False
    reason: str = ""


@dataclass
class ExportFile:
    """A finished workbook: an open file positioned at its start, to be streamed and closed."""

    file: BinaryIO
    filename: str
    rows: int
    masked: bool
    content_type: str = XLSX_CONTENT_TYPE
    log_id: Any = field(default=None)


class ExportForm(forms.Form):
    """The export options of a page (the list's own filters travel beside them in the query)."""

    unmask = forms.BooleanField(label=gettext_lazy("导出完整证件号、电话等（不遮盖）"), required=False)
    reason = forms.CharField(label=gettext_lazy("导出原因"), max_length=REASON_MAX_LENGTH, required=False,
                             help_text=gettext_lazy("导出完整信息时必填，将记入访问日志"))

    def options(self) -> ExportOptions:
        if not self.is_valid():
            message = "；".join(str(e) for errors in self.errors.values() for e in errors)
            raise DomainError(message, field_errors={k: [str(e) for e in v] for k, v in self.errors.items()})
        return ExportOptions(unmask=self.cleaned_data["unmask"], reason=self.cleaned_data["reason"].strip())


def max_rows() -> int:
    return int(getattr(settings, "JIJINAN_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --- the checks before anything is read ---------------------------------------------------------
def export_masked(*, options: ExportOptions, may_unmask: bool) -> bool:
    """Whether the export is masked. Asking for clear values needs the right (403 otherwise) and
    a reason (400 otherwise); not asking always gives a masked export."""
    if not options.unmask:
        return True
    if not may_unmask:
        raise Forbidden(_("您的角色不能导出完整的证件号、电话或银行账号，请导出遮盖后的列表"),
                        code=ExportErrorCode.UNMASK_FORBIDDEN)
    if not options.reason.strip():
        raise DomainError.for_field("reason", _("导出完整信息须填写导出原因"),
                                    code=ExportErrorCode.REASON_REQUIRED)
    return False


def check_row_cap(count: int, *, limit: int | None = None) -> None:
    limit = max_rows() if limit is None else limit
    if count > limit:
        raise DomainError(
            _("共 %(count)s 条记录，超过单次导出上限 %(limit)s 条；请增加筛选条件（如区划、状态或日期）后分批导出")
            % {"count": f"{count:,}", "limit": f"{limit:,}"}, code=ExportErrorCode.TOO_MANY_ROWS)


def chunked(queryset: QuerySet[Any], size: int = CHUNK_SIZE) -> Iterator[list[Any]]:
    """The rows of ``queryset`` in lists of ``size``, read with a server-side iterator, so that
    the app can fetch what a batch needs beside it (a few queries a batch, never one a row)."""
    batch: list[Any] = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- cell values --------------------------------------------------------------------------------
def safe_text(value: Any) -> str:
    """Any value as the text of a cell (None → empty); protected values print masked."""
    if value is None:
        return ""
    return str(value)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def shanghai_naive(value: datetime) -> datetime:
    """Excel has no time zones: the wall-clock time in Asia/Shanghai."""
    if timezone.is_aware(value):
        value = value.astimezone(SHANGHAI)
    return value.replace(tzinfo=None)


def yuan(fen: int | None) -> float | None:
    if fen is None:
        return None
    return float(Decimal(int(fen)) / 100)


def bool_text(value: Any) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


# --- the workbook ---------------------------------------------------------------------------------
def _sheet_name(title: str) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'") or "export"
    return cleaned[:31]


def _filters_text(filters: Mapping[str, str]) -> str:
    shown = [f"{k}={v}" for k, v in filters.items() if v not in ("", None)]
    return "；".join(shown) if shown else _("无（全部可见记录）")


def _masked_text(masked: bool) -> str:
    return _("已遮盖") if masked else _("未遮盖（含完整个人信息，请妥善保管）")


def write_workbook(path: str, *, spec: ExportSpec, rows: Iterable[Mapping[str, Any]], exported_by: str,
                   exported_at: datetime, filters: Mapping[str, str], masked: bool, reason: str,
                   limit: int) -> int:
    """Write the workbook to ``path``; the number of data rows. More than ``limit`` rows raises
    (the caller counted first; this guards against rows added meanwhile)."""
    title = str(spec.title)
    workbook = xlsxwriter.Workbook(path, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "tmpdir": tempfile.gettempdir(),
        "default_date_format": "yyyy-mm-dd",
    })
    try:
        bold = workbook.add_format({"bold": True})
        title_format = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True})
        text = workbook.add_format({"num_format": "@"})
        quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        data = workbook.add_worksheet(_sheet_name(title))
        about = workbook.add_worksheet(_sheet_name(_("导出说明")))
        for col, column in enumerate(spec.columns):
            data.set_column(col, col, column.display_width())
        data.freeze_panes(HEADER_ROWS, 0)
        when = shanghai_naive(exported_at).strftime("%Y-%m-%d %H:%M")
        data.write_string(0, 0, title, title_format)
        data.write_string(1, 0, _("导出人：%(who)s　导出时间：%(when)s　筛选条件：%(filters)s　个人信息：%(masked)s")
                          % {"who": exported_by, "when": when, "filters": _filters_text(filters),
                             "masked": _masked_text(masked)})
        for col, column in enumerate(spec.columns):
            data.write_string(2, col, str(column.header), header)

        count = 0
        for record in rows:
            if count >= limit:
                check_row_cap(count + 1, limit=limit)
            row = HEADER_ROWS + count
            for col, column in enumerate(spec.columns):
                _write_cell(data, row, col, column.kind, record.get(column.key),
                            text=text, quoted=quoted, money=money, day=day, moment=moment)
            count += 1

        about.set_column(0, 0, 14)
        about.set_column(1, 1, 60)
        lines = [(_("列表"), title), (_("导出人"), exported_by), (_("导出时间"), when),
                 (_("筛选条件"), _filters_text(filters)), (_("个人信息"), _masked_text(masked)),
                 (_("导出原因"), reason or "—"), (_("记录数"), str(count))]
        for i, (label, value) in enumerate(lines):
            about.write_string(i, 0, label, bold)
            about.write_string(i, 1, value, quoted if is_formula_like(value) else text)
    finally:
        workbook.close()
    return count


def _write_cell(sheet: Any, row: int, col: int, kind: ColumnKind, value: Any, *, text: Any, quoted: Any,
                money: Any, day: Any, moment: Any) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, text)
        return
    if kind == ColumnKind.MONEY_FEN:
        sheet.write_number(row, col, yuan(int(value)), money)
    elif kind == ColumnKind.NUMBER and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value))
    elif kind == ColumnKind.DATETIME and isinstance(value, datetime):
        sheet.write_datetime(row, col, shanghai_naive(value), moment)
    elif kind == ColumnKind.DATE and isinstance(value, date):
        sheet.write_datetime(row, col, value if not isinstance(value, datetime) else value.date(), day)
    elif kind == ColumnKind.BOOL:
        sheet.write_string(row, col, bool_text(value), text)
    else:
        # Everything else is text, written as a string: never a number, never a formula.
        content = safe_text(value)
        sheet.write_string(row, col, content, quoted if is_formula_like(content) else text)


# --- the whole export -------------------------------------------------------------------------------
def _actor_label(actor: Any) -> str:
    if hasattr(actor, "display_name"):
        name, username = actor.display_name(), actor.get_username()
        return name if name == username else f"{name}（{username}）"
    return str(actor)


def actor_region_code(actor: Any) -> str:
    """Where the export is logged: the exporter's office, so that its supervisors see it."""
    organisation = getattr(actor, "organisation", None)
    region = getattr(organisation, "region", None)
    return str(getattr(region, "code", "") or "")


def export_list(*, actor: Any, spec: ExportSpec, rows: Iterable[Mapping[str, Any]], count: int,
                filters: Mapping[str, str], masked: bool, reason: str = "", limit: int | None = None
                ) -> ExportFile:
    """Write the workbook of a list and log the export once.

    ``count`` is the number of rows of the scoped selector (the cap is checked on it before any
    row is read); ``rows`` yields one mapping per record, keyed by the columns' keys, already
    masked or not as ``masked`` says.
    """
    limit = max_rows() if limit is None else limit
    check_row_cap(count, limit=limit)
    exported_at = timezone.now()
    handle, path = tempfile.mkstemp(prefix="jijinan-export-", suffix=".xlsx")
    os.close(handle)
    try:
        written = write_workbook(path, spec=spec, rows=rows, exported_by=_actor_label(actor),
                                 exported_at=exported_at, filters=filters, masked=masked, reason=reason,
                                 limit=limit)
        file = open(path, "rb")  # noqa: SIM115  (closed by the response that streams it)
    finally:
        os.unlink(path)  # the open handle keeps the data readable; nothing is left on disk
    label = _("%(title)s列表导出（%(masked)s）：%(filters)s") % {
        "title": str(spec.title), "masked": _("已遮盖") if masked else _("未遮盖"),
        "filters": _filters_text(filters)}
    try:
        with transaction.atomic():
            log = record_access(actor=actor, kind="export", subject_type=spec.subject_type,
                                subject_label=label[:200], region_code=actor_region_code(actor),
                                fields=[*spec.fields] if masked else [*spec.fields, "unmasked"],
                                purpose=reason[:REASON_MAX_LENGTH], rows=written)
    except BaseException:
        file.close()
        raise
    stamp = shanghai_naive(exported_at).strftime("%Y%m%d-%H%M")
    return ExportFile(file=file, filename=f"{spec.title}_{stamp}.xlsx", rows=written, masked=masked,
                      log_id=getattr(log, "pk", None))


def content_disposition(filename: str) -> str:
    """An attachment named in Chinese (RFC 5987 ``filename*``) with an ASCII fallback."""
    stem, _dot, extension = filename.rpartition(".")
    ascii_stem = "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "-_")) or "export"
    return f"attachment; filename=\"{ascii_stem}.{extension}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_response(export: ExportFile) -> HttpResponseBase:
    """The file as an attachment: streamed from its temporary file when large, else in memory
    (a small workbook needs no open file handle held for the length of the download)."""
    export.file.seek(0, os.SEEK_END)
    size = export.file.tell()
    export.file.seek(0)
    response: HttpResponseBase
    if size > STREAM_ABOVE_BYTES:
        response = FileResponse(export.file, content_type=export.content_type)
    else:
        with export.file:
            response = HttpResponse(export.file.read(), content_type=export.content_type)
    response["Content-Disposition"] = content_disposition(export.filename)
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Masked"] = "1" if export.masked else "0"
    return response


def query_filters(params: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    """The list filters a request carries, for the header line and the log (values as given)."""
    return {name: str(params.get(name))[:100] for name in names
            if params.get(name) is not None and params.get(name) not in ("", False)}


# --- pages ------------------------------------------------------------------------------------------
def export_link_context(request: HttpRequest, *, url: str, may_export: bool, may_unmask: bool = False
                        ) -> dict[str, Any]:
    """What ``core/_export.html`` needs: the export URL with the list's own query (not its page)."""
    query = request.GET.copy()
    query.pop("page", None)
    for name in ("unmask", "reason"):
        query.pop(name, None)
    return {"may_export": may_export, "may_unmask_export": may_export and may_unmask, "export_url": url,
            "export_query": query.urlencode(), "export_filters": list(query.items()),
            "export_form": ExportForm()}


def export_page(request: HttpRequest, list_url: str, build: Callable[[ExportOptions], ExportFile]
                ) -> HttpResponseBase:
    """Run an export from a page: the file, or back to the list with the reason it was refused.
    A refusal of the user's rights (403) or a missing record (404) goes on to its error page."""
    try:
        options = ExportForm(request.POST if request.method == "POST" else request.GET).options()
        return export_response(build(options))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        text = "；".join(e for errors in exc.field_errors.values() for e in errors) or str(exc.message)
        messages.error(request, text)
        if request.method == "POST":
            return redirect(list_url)  # posted filters (a number searched for) stay out of the address
        query = request.GET.copy()
        for name in ("unmask", "reason"):
            query.pop(name, None)
        return redirect(f"{list_url}?{query.urlencode()}" if query else list_url)


def refuse_invalid(form: forms.Form) -> Callable[[ExportOptions], ExportFile]:
    """A builder that refuses with a filter form's own errors: nothing is read, nothing logged."""
    def refuse(options: ExportOptions) -> ExportFile:
        raise DomainError(_("筛选条件有误"), field_errors={k: [str(e) for e in v] for k, v in form.errors.items()})
    return refuse


def refuse(error: DomainError) -> Callable[[ExportOptions], ExportFile]:
    """A builder that refuses with ``error`` (a list whose filters the selector rejected)."""
    def refused(options: ExportOptions) -> ExportFile:
        raise error
    return refused

"""Pages of the exchange app: sources with their templates, upload, batch history, a batch's
preview and errors, confirm, discard and undo. Reads go through the selectors, writes through
the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import flash_errors
from jijinan.core.permissions import can, requires
from jijinan.exchange import forms, selectors, services
from jijinan.exchange.choices import BatchStatus
from jijinan.exchange.permissions import BATCH_IMPORT, BATCH_UNDO, BATCH_VIEW, SOURCE_VIEW
from jijinan.exchange.reading import csv_bytes, xlsx_bytes
from jijinan.exchange.sources import all_sources, source_get
from jijinan.exchange.uploads import install_upload_limit, save_upload

PAGE_SIZE = 50
ERRORS_PAGE_SIZE = 100


@requires(SOURCE_VIEW)
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    importable = {s.code for s in selectors.sources_importable_by(user=request.user)}
    return render(request, "exchange/source_list.html", {
        "sources": list(all_sources().values()), "importable": importable,
        "may_view": can(request.user, BATCH_VIEW)})


@requires(SOURCE_VIEW)
@require_GET
def source_template(request: HttpRequest, code: str) -> HttpResponse:
    """An empty file with the source's headers, in CSV (UTF-8 with BOM) or .xlsx."""
    source = source_get(code)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(xlsx_bytes(source.headers, [], title=source.name), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        extension = "xlsx"
    else:
        response = HttpResponse(csv_bytes(source.headers, []), content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = f'attachment; filename="{source.code}-template.{extension}"'
    return response


@requires(BATCH_IMPORT)
@csrf_exempt
@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    # The size limit must be installed before the CSRF check reads the body.
    if request.method == "POST":
        try:
            install_upload_limit(request)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("exchange:upload")
    return _batch_upload(request)


@csrf_protect
def _batch_upload(request: HttpRequest) -> HttpResponse:
    sources = selectors.sources_importable_by(user=request.user)
    choices = [(s.code, s.name) for s in sources]
    initial = {"source": request.GET.get("source", "")}
    form = forms.UploadForm(request.POST or None, request.FILES or None, sources=choices, initial=initial,
                            user=request.user)
    if request.method == "POST":
        try:
            valid = form.is_valid()
        except DomainError as exc:  # the upload grew past the limit while it streamed in
            form.add_error("file", str(exc.message))
            valid = False
        if valid:
            d = form.cleaned_data
            path = save_upload(d["file"])
            try:
                batch = services.batch_upload(actor=acting_user(request), data=services.UploadInput(
                    source=d["source"], region_code=d["region_code"], file_name=d["file"].name, path=path,
                    mode=d["mode"]))
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error(None, str(exc.message))
            else:
                return redirect("exchange:batch", pk=batch.pk)
            finally:
                path.unlink(missing_ok=True)  # moved into the import folder unless refused
    return render(request, "exchange/upload.html", {"form": form}, status=400 if form.errors else 200)


@requires(BATCH_VIEW)
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    status = request.GET.get("status", "")
    batches = selectors.batch_list_for_user(user=request.user, source=source, status=status)
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/batch_list.html", {
        "page": page, "sources": list(all_sources().values()), "statuses": BatchStatus.choices,
        "source": source, "status": status, "may_import": can(request.user, BATCH_IMPORT)})


@requires(BATCH_VIEW)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, pk=pk)
    errors = Paginator(selectors.batch_errors(batch=batch), ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    source = all_sources().get(batch.source)
    return render(request, "exchange/batch_detail.html", {
        "batch": batch, "errors": errors, "headers": source.headers if source else [],
        "may_import": can(request.user, BATCH_IMPORT), "may_undo": can(request.user, BATCH_UNDO),
        "confirm_form": forms.ConfirmForm(initial={"version": batch.version, "mode": batch.mode}),
        "undo_form": forms.UndoForm(initial={"version": batch.version}),
        "refresh": batch.status == BatchStatus.VALIDATING})


@requires(BATCH_VIEW)
@require_GET
def batch_errors_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, pk=pk)
    header = [_("行号"), _("列"), _("原因")]
    rows = [[e.row or "", e.column, e.reason] for e in selectors.batch_errors(batch=batch).iterator()]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(xlsx_bytes(header, rows, title=_("错误")), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        extension = "xlsx"
    else:
        response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.{extension}"'
    return response


@requires(BATCH_IMPORT)
@require_POST
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, pk=pk, action=BATCH_IMPORT)
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导入方式后再确认"))
        return redirect("exchange:batch", pk=batch.pk)
    try:
        batch = services.batch_confirm(actor=acting_user(request), batch=batch, version=form.cleaned_data["version"],
                                       mode=form.cleaned_data["mode"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已导入 %(n)s 行") % {"n": batch.rows_written})
    return redirect("exchange:batch", pk=batch.pk)


@requires(BATCH_IMPORT)
@require_POST
def batch_discard(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, pk=pk, action=BATCH_IMPORT)
    form = forms.VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请求不完整，请刷新后重试"))
        services.batch_discard(actor=acting_user(request), batch=batch, version=form.cleaned_data["version"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已放弃本次导入"))
    return redirect("exchange:batch", pk=batch.pk)


@requires(BATCH_UNDO)
@require_POST
def batch_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, pk=pk, action=BATCH_UNDO)
    form = forms.UndoForm(request.POST)
    if not form.is_valid():
        return _detail_with(request, batch, undo_form=form)
    try:
        services.batch_undo(actor=acting_user(request), batch=batch, version=form.cleaned_data["version"],
                            reason=form.cleaned_data["reason"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已撤销该批次"))
    return redirect("exchange:batch", pk=batch.pk)


def _detail_with(request: HttpRequest, batch: Any, **extra: Any) -> HttpResponse:
    errors = Paginator(selectors.batch_errors(batch=batch), ERRORS_PAGE_SIZE).get_page(1)
    source = all_sources().get(batch.source)
    context = {"batch": batch, "errors": errors, "headers": source.headers if source else [],
               "may_import": can(request.user, BATCH_IMPORT), "may_undo": can(request.user, BATCH_UNDO),
               "confirm_form": forms.ConfirmForm(initial={"version": batch.version, "mode": batch.mode}),
               "undo_form": forms.UndoForm(initial={"version": batch.version}), **extra}
    return render(request, "exchange/batch_detail.html", context, status=400)

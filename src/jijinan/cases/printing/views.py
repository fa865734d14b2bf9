"""Pages of the printed forms: ask for a PDF (queued for the worker), watch it being made, download it.

Each page first finds the case among those its handling area shows the user (404 otherwise, a case
their area transferred away included, and nothing is queued), then checks that the user's role
there prints forms (403 otherwise: a supervisor or a social worker reads the case on screen but does
not print it); every download is written to the access log.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jijinan.audit.services import access_log_record
from jijinan.cases import selectors
from jijinan.cases.printing import render as printed
from jijinan.cases.printing import services as printing
from jijinan.cases.printing.permissions import CASE_PRINT
from jijinan.core.errors import NotFound
from jijinan.core.permissions import requires

POLL_SECONDS = 2


def _form(form: str) -> str:
    if form not in printed.FORMS:
        raise NotFound(_("未知的表单"), code="not_found")
    return form


@requires(CASE_PRINT)
@require_POST
def print_request(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=CASE_PRINT)
    request_id = printing.print_request(actor=request.user, case=case, form=_form(form))
    return redirect("cases:print_status", pk=case.pk, form=form, request_id=request_id)


@requires(CASE_PRINT)
@require_GET
def print_status(request: HttpRequest, pk: int, form: str, request_id: uuid.UUID) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=CASE_PRINT)
    status = printing.print_status(case=case, form=_form(form), request_id=request_id)
    return render(request, "cases/print/status.html", {
        "case": case, "form": form, "form_label": printed.FORMS[form], "request_id": request_id,
        "status": status, "poll_seconds": POLL_SECONDS})


@requires(CASE_PRINT)
@require_GET
def print_download(request: HttpRequest, pk: int, form: str, request_id: uuid.UUID) -> FileResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=CASE_PRINT)
    status = printing.print_status(case=case, form=_form(form), request_id=request_id)
    if status.state != "ready" or status.path is None:
        raise NotFound(_("PDF 尚未生成"), code="not_found")
    handle = status.path.open("rb")
    access_log_record(actor=request.user, kind="print", subject=case, subject_label=case.number,
                      region_code=case.handling_region.code, fields=printed.FORM_FIELDS[form],
                      purpose=_("下载打印表单：%(form)s") % {"form": printed.FORMS[form]})
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                            filename=f"{case.number}-{form}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

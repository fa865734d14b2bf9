"""The page of the public notice board (公示栏): anyone may read it, nothing on it is unmasked."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jijinan.cases.public_notices.selectors import board_region, notices_running
from jijinan.core.errors import DomainError
from jijinan.core.permissions import PUBLIC, requires


@requires(PUBLIC)
@require_GET
def public_notice_board(request: HttpRequest) -> HttpResponse:
    """The public notice board of a township or county (公示): printable, masked, never minors."""
    code = request.GET.get("region", "").strip()
    region = rows = None
    error = ""
    if code:
        try:
            region = board_region(code)
            rows = notices_running(region=region)
        except DomainError as exc:
            error = "；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message)
    return render(request, "cases/workflow/public_notice_board.html",
                  {"region": region, "rows": rows, "code": code, "error": error}, status=400 if error else 200)

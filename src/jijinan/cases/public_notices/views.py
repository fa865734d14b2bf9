"""The page of the public notice board (公示栏): anyone may read it, nothing on it is unmasked."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jijinan.cases.public_notices.selectors import board_region, notices_running
from jijinan.core.errors import DomainError
from jijinan.core.permissions import PUBLIC, requires
from jijinan.regions.choices import RegionLevel
from jijinan.regions.pickers import RegionPickerField


class BoardForm(forms.Form):
    region = RegionPickerField(label=_("乡镇（街道）或县（区）"), levels=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP],
                               action=None, required=False)


@requires(PUBLIC)
@require_GET
def public_notice_board(request: HttpRequest) -> HttpResponse:
    """The public notice board of a township or county (公示): printable, masked, never minors."""
    form = BoardForm(request.GET or None)
    region = rows = None
    error = ""
    if form.is_valid() and form.cleaned_data["region"]:
        try:
            region = board_region(form.cleaned_data["region"])
            rows = notices_running(region=region)
        except DomainError as exc:
            error = "；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message)
    elif form.errors:
        error = "；".join(str(e) for e in form.errors.get("region", []))
    return render(request, "cases/workflow/public_notice_board.html",
                  {"region": region, "rows": rows, "form": form, "error": error}, status=400 if error else 200)

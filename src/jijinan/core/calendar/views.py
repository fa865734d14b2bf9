"""Pages of the working-day calendar: years, a year's exception days, CSV import, a deadline form.

Administration needs calendar.manage; computing a deadline, calendar.view (anyone signed in).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.core.calendar.models import CalendarDayKind
from jijinan.core.calendar.selectors import (
    calendar_day_get,
    calendar_day_list,
    calendar_year_get,
    calendar_year_list,
    calendar_years_needing_attention,
)
from jijinan.core.calendar.services import (
    CSV_MAX_BYTES,
    CalendarImportError,
    calendar_day_add,
    calendar_day_correct,
    calendar_day_remove,
    calendar_import_csv,
    calendar_seed,
    calendar_year_confirm,
)
from jijinan.core.calendar.workdays import MAX_COUNT, DeadlineUnit, deadline_at, today_local
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import requires


class DayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"),
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CalendarDayKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False,
                           help_text=gettext_lazy("如“国庆节”“调休上班（春节）”"))


class CorrectDayForm(DayForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].disabled = True  # the date is the day's identity; remove to move it


class ConfirmForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("依据"), max_length=500, required=False,
                           help_text=gettext_lazy("如国务院办公厅关于当年部分节假日安排的通知"))


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV 文件"),
                           help_text=gettext_lazy("列：date,kind,name（或 日期,类型,名称）；"
                                                  "kind 为 holiday 或 workday"))


class ComputeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("起算日"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    count = forms.IntegerField(label=gettext_lazy("期限"), min_value=0,
                               max_value=max(MAX_COUNT.values()))
    unit = forms.ChoiceField(label=gettext_lazy("单位"), choices=DeadlineUnit.choices,
                             initial=DeadlineUnit.WORKING_DAYS)


def _apply_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the form: on its field when the form has one."""
    placed = False
    for name, texts in error.field_errors.items():
        for text in texts:
            if name in form.fields:
                form.add_error(name, text)
                placed = True
    if not placed:
        form.add_error(None, str(error.message))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


def _home(request: HttpRequest, *, import_form: ImportForm | None = None,
          import_errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    context = {
        "years": list(calendar_year_list()),
        "attention": calendar_years_needing_attention(),
        "next_year": today_local().year + 1,
        "import_form": import_form or ImportForm(),
        "import_errors": import_errors or [],
    }
    return render(request, "core/calendar_home.html", context, status=status)


@requires("calendar.manage")
@require_GET
def calendar_home(request: HttpRequest) -> HttpResponse:
    return _home(request)


def _year_page(request: HttpRequest, year: int, *, day_form: DayForm | None = None,
               confirm_form: ConfirmForm | None = None, status: int = 200) -> HttpResponse:
    try:
        found = calendar_year_get(year=year)
    except NotFound:
        raise Http404 from None
    context = {
        "calendar_year": found,
        "days": list(calendar_day_list(year=year)),
        "day_form": day_form or DayForm(),
        "confirm_form": confirm_form or ConfirmForm(),
    }
    return render(request, "core/calendar_year.html", context, status=status)


@requires("calendar.manage")
@require_GET
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    return _year_page(request, year)


@requires("calendar.manage")
@require_POST
def calendar_day_add_view(request: HttpRequest, year: int) -> HttpResponse:
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            day = calendar_day_add(actor=request.user, day=form.cleaned_data["date"],
                                   kind=form.cleaned_data["kind"], name=form.cleaned_data["name"])
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已录入 %(date)s") % {"date": day.date.isoformat()})
            return redirect("calendar:year", year=day.date.year)
    if not calendar_year_list().filter(year=year).exists():
        return _home(request, status=400)
    return _year_page(request, year, day_form=form, status=400)


@requires("calendar.manage")
@require_http_methods(["GET", "POST"])
def calendar_day_edit(request: HttpRequest, day: str) -> HttpResponse:
    try:
        found = calendar_day_get(day=_parse_day(day))
    except NotFound:
        raise Http404 from None
    initial = {"date": found.date, "kind": found.kind, "name": found.name}
    if request.method == "POST":
        form = CorrectDayForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                calendar_day_correct(actor=request.user, day=found.date,
                                     kind=form.cleaned_data["kind"], name=form.cleaned_data["name"])
            except DomainError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("已修改 %(date)s") % {"date": found.date.isoformat()})
                return redirect("calendar:year", year=found.date.year)
        status = 400
    else:
        form = CorrectDayForm(initial=initial)
        status = 200
    return render(request, "core/calendar_day_edit.html", {"day": found, "form": form},
                  status=status)


@requires("calendar.manage")
@require_POST
def calendar_day_remove_view(request: HttpRequest, day: str) -> HttpResponse:
    when = _parse_day(day)
    try:
        calendar_day_remove(actor=request.user, day=when)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已删除 %(date)s，该日恢复按星期计算") % {"date": when.isoformat()})
    return redirect("calendar:year", year=when.year)


@requires("calendar.manage")
@require_POST
def calendar_year_confirm_view(request: HttpRequest, year: int) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            calendar_year_confirm(actor=request.user, year=year, note=form.cleaned_data["note"])
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("%(year)s 年已确认，该年的期限不再是暂定") % {"year": year})
    return redirect("calendar:year", year=year)


@requires("calendar.manage")
@require_POST
def calendar_import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        report = calendar_import_csv(actor=request.user, content=upload.read(CSV_MAX_BYTES + 1))
    except CalendarImportError as error:
        return _home(request, import_form=form, status=400,
                     import_errors=[str(error.message), *[str(row) for row in error.rows]])
    except DomainError as error:
        return _home(request, import_form=form, status=400, import_errors=[str(error.message)])
    messages.success(request, _("已导入 %(n)s 天") % {"n": report.days_created})
    return redirect(reverse("calendar:home"))


@requires("calendar.manage")
@require_POST
def calendar_seed_view(request: HttpRequest) -> HttpResponse:
    report = calendar_seed(actor=request.user)
    if report.changed:
        messages.success(request, _("已从软件包补充 %(n)s 天") % {"n": report.days_created})
    else:
        messages.info(request, _("软件包没有新的安排"))
    return redirect("calendar:home")


@requires("calendar.view")
@require_GET
def calendar_compute(request: HttpRequest) -> HttpResponse:
    """A deadline from a start day: anyone signed in may ask."""
    form = ComputeForm(request.GET or None, initial={"start": today_local()})
    result = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                result = deadline_at(form.cleaned_data["start"], form.cleaned_data["count"],
                                     form.cleaned_data["unit"])
            except DomainError as error:
                _apply_errors(form, error)
        if not form.is_valid() or result is None:
            status = 400
    return render(request, "core/calendar_compute.html", {"form": form, "result": result},
                  status=status)

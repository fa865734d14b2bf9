"""Pages of policy parameters: values in force by region and day, a parameter's history, adding and
withdrawing versions, comparing two days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jijinan.core import exports
from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import DomainError, Forbidden
from jijinan.core.permissions import Target, can, requires
from jijinan.policy import selectors, services
from jijinan.policy.choices import Program, VersionStatus
from jijinan.policy.display import parameter_titles, used_parameters
from jijinan.policy.forms import CompareForm, LookupForm, VersionForm, WithdrawForm, apply_errors
from jijinan.policy.permissions import (
    DECISION_EXPORT,
    DECISION_VIEW,
    POLICY_EVALUATE,
    POLICY_MANAGE,
    POLICY_VIEW,
)
from jijinan.regions.choices import RegionLevel
from jijinan.regions.pickers import bind_region_pickers

DEFAULT_REGION = "320100000000"  # Nanjing: the demo's city
INDENT = {RegionLevel.PROVINCE: "", RegionLevel.CITY: "　", RegionLevel.COUNTY: "　　"}


def _region_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{INDENT.get(RegionLevel(r.level), '')}{r.name}")
            for r in selectors.version_region_choices()]


def _default_region(choices: list[tuple[str, str]]) -> str:
    codes = [c for c, _label in choices]
    return DEFAULT_REGION if DEFAULT_REGION in codes else (codes[0] if codes else "")


def _lookup_form(request: HttpRequest, form_class: type[Any], initial: dict[str, Any]) -> tuple[Any, list[Any]]:
    choices = _region_choices()
    data = {**initial, "region": _default_region(choices), **request.GET.dict()}
    form = form_class(data)
    form.fields["region"].choices = choices
    return form, choices


@requires(POLICY_VIEW)
@require_GET
def parameter_index(request: HttpRequest) -> HttpResponse:
    today = today_local()
    form, _choices = _lookup_form(request, LookupForm, {"on": today.isoformat()})
    rows: list[selectors.ValueRow] = []
    region = None
    if form.is_valid():
        region = selectors.region_for_lookup(form.cleaned_data["region"])
        rows = selectors.values_for_region(user=request.user, region_code=region.code,
                                           on=form.cleaned_data["on"])
    pending = selectors.version_list_for_user(user=request.user, status=VersionStatus.PENDING, today=today)
    return render(request, "policy/index.html", {
        "form": form, "rows": rows, "region": region, "on": form.cleaned_data.get("on") if form.is_valid() else None,
        "pending": list(pending[:50]), "may_manage": can(request.user, POLICY_MANAGE),
    }, status=200 if form.is_valid() else 400)


def _history(request: HttpRequest, name: str) -> list[Any]:
    """Every version of the parameter, in every region, with its status today."""
    today = today_local()
    versions = list(selectors.version_list_for_user(user=request.user, name=name))
    for v in versions:
        v.status = v.status_on(today)  # type: ignore[attr-defined]
        v.may_withdraw = (v.status == VersionStatus.PENDING  # type: ignore[attr-defined]
                          and can(request.user, POLICY_MANAGE, Target(region_prefix=v.region.prefix)))
    return versions


@requires(POLICY_VIEW)
@require_GET
def parameter_detail(request: HttpRequest, name: str) -> HttpResponse:
    definition = selectors.definition_get_for_user(user=request.user, name=name)
    return render(request, "policy/parameter_detail.html", {
        "definition": definition, "versions": _history(request, name),
        "may_manage": can(request.user, POLICY_MANAGE),
    })


@requires(POLICY_MANAGE)
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, name: str) -> HttpResponse:
    definition = selectors.definition_get_for_user(user=request.user, name=name)
    initial = {"region_code": request.GET.get("region", "")[:12], "effective_from": today_local().isoformat(),
               "definition_version": definition.version}
    form = VersionForm(request.POST or None, definition=definition, initial=initial)
    bind_region_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.parameter_version_add(actor=request.user, name=name, data=form.to_input(),
                                           definition_version=form.cleaned_data.get("definition_version"))
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc, aliases=form.value_aliases)
        else:
            messages.success(request, _("已新增参数版本"))
            return redirect("policy:parameter", name=name)
    return render(request, "policy/version_form.html", {
        "form": form, "definition": definition, "versions": _history(request, name),
    }, status=400 if form.errors else 200)


@requires(POLICY_MANAGE)
@require_http_methods(["GET", "POST"])
def version_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for_user(user=request.user, pk=pk, action=POLICY_MANAGE)
    definition = version.definition
    form = WithdrawForm(request.POST or None, initial={"definition_version": definition.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.parameter_version_withdraw(actor=request.user, version=version,
                                                reason=form.cleaned_data["reason"],
                                                definition_version=form.cleaned_data.get("definition_version"))
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已撤回该版本"))
            return redirect("policy:parameter", name=definition.name)
    version.status = version.status_on(today_local())  # type: ignore[attr-defined]
    return render(request, "policy/version_withdraw.html", {"form": form, "version": version,
                                                            "definition": definition},
                  status=400 if form.errors else 200)


@requires(POLICY_VIEW)
@require_GET
def parameter_compare(request: HttpRequest) -> HttpResponse:
    today = today_local()
    form, _choices = _lookup_form(request, CompareForm, {
        "date_a": date(today.year - 1, 1, 1).isoformat(), "date_b": today.isoformat()})
    rows: list[selectors.CompareRow] = []
    region = None
    if form.is_valid():
        d = form.cleaned_data
        region = selectors.region_for_lookup(d["region"])
        rows = selectors.compare_for_region(user=request.user, region_code=region.code, date_a=d["date_a"],
                                            date_b=d["date_b"], changed_only=d["changed_only"])
    return render(request, "policy/compare.html", {
        "form": form, "rows": rows, "region": region,
        "changed_count": sum(r.version_changed for r in rows),
    }, status=200 if form.is_valid() else 400)


# --- the window calculator and decision records ------------------------------------------------------


def _user_region_code(user: Any) -> str:
    """The region of the user's first grant: where a clerk normally evaluates."""
    grant = user.grants.select_related("region").order_by("id").first() if hasattr(user, "grants") else None
    return grant.region.code if grant and grant.region_id else ""


@dataclass
class Evaluated:
    program: str
    label: str
    result: Any = None
    error: str = ""
    decision: Any = None


@requires(POLICY_EVALUATE)
@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest) -> HttpResponse:
    """The window calculator: fill a household, see each program's answer with its reasons."""
    from jijinan.policy.calculators import PROGRAMS
    from jijinan.policy.forms import CalculatorForm, MemberFormSet, calculator_inputs

    evaluated: list[Evaluated] = []
    if request.method == "POST":
        form = CalculatorForm(request.POST)
        bind_region_pickers(form, request.user)
        members = MemberFormSet(request.POST, prefix="m")
        if form.is_valid() and members.is_valid():
            rows = [m.member() for m in members.forms if m.cleaned_data and m.is_filled()]
            if not rows:
                form.add_error(None, _("至少填写一位家庭成员的年龄或出生日期（第一行为申请人）"))
            else:
                evaluated = _evaluate_all(request, form, calculator_inputs(form, rows), PROGRAMS)
    else:
        # Other pages (a household's verification report) open the calculator pre-filled through
        # the query string; nothing is evaluated until the clerk presses the button.
        given = {k: v for k, v in request.GET.items() if k in CalculatorForm.base_fields}
        form = CalculatorForm(initial={"region_code": _user_region_code(request.user), "on": today_local(),
                                       **given})
        bind_region_pickers(form, request.user)
        ages = [a for a in request.GET.getlist("age") if a.isdigit()][:12]
        members = MemberFormSet(prefix="m", initial=[{"age": int(a)} for a in ages])
    # A form sent back (a region outside the user's area, a missing member …) answers 400.
    refused = request.method == "POST" and (bool(form.errors) or not members.is_valid())
    return render(request, "policy/calculator.html", {
        "form": form, "members": members, "evaluated": evaluated,
        "may_view_decisions": can(request.user, DECISION_VIEW)}, status=400 if refused else 200)


def _evaluate_all(request: HttpRequest, form: Any, inputs: dict[str, dict[str, Any]], programs: Any
                  ) -> list[Evaluated]:
    save = form.cleaned_data.get("save")
    out: list[Evaluated] = []
    for program, data in inputs.items():
        item = Evaluated(program=program, label=str(programs[program].label))
        try:
            typed = selectors.decision_inputs(program, data)
            if save:
                item.decision = services.decision_record(actor=request.user, program=program, inputs=typed,
                                                         note=form.cleaned_data.get("note") or "")
                item.result = selectors.decision_reproduce(decision=item.decision).result
            else:
                item.result = selectors.decision_evaluate_for_user(user=request.user, program=program, inputs=typed)
        except Forbidden:
            raise
        except DomainError as exc:
            if exc.code == "policy_bad_region" or "on" in exc.field_errors:
                apply_errors(form, exc, aliases={"on": "on", "region_code": "region_code"})
                return []
            item.error = "；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message)
        out.append(item)
    return out


@requires(DECISION_VIEW)
@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    program = request.GET.get("program") or None
    decisions = selectors.decision_list_for_user(user=request.user, program=program)
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    return render(request, "policy/decision_list.html", {
        "page": page, "program": program or "", "programs": Program.choices,
        **exports.export_link_context(request, url=reverse("policy:decisions_export"),
                                      may_export=can(request.user, DECISION_EXPORT))})


C, K = exports.Column, exports.ColumnKind
DECISION_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("决定记录"), subject_type="policy.decision", fields=["decisions"],
    columns=[
        C("id", gettext_lazy("编号"), K.NUMBER), C("program", gettext_lazy("救助项目"), width=16),
        C("outcome", gettext_lazy("结论"), width=18), C("eligible", gettext_lazy("符合条件"), K.BOOL),
        C("amount_fen", gettext_lazy("金额（元）"), K.MONEY_FEN), C("region_code", gettext_lazy("区划代码"), width=14),
        C("region_name", gettext_lazy("适用区划"), width=16), C("evaluated_on", gettext_lazy("评估日期"), K.DATE),
        C("purpose", gettext_lazy("用途")), C("calculator_version", gettext_lazy("计算规则版本"), width=20),
        C("created_by", gettext_lazy("测算人")), C("created_at", gettext_lazy("测算时间"), K.DATETIME),
        C("digest", gettext_lazy("指纹"), width=24),
    ])


def decision_export_file(*, user: Any, program: str | None, options: exports.ExportOptions
                         ) -> exports.ExportFile:
    """The decision records the user sees, filtered as the list is; nothing protected to unmask."""
    masked = exports.export_masked(options=options, may_unmask=False)
    decisions = selectors.decision_list_for_user(user=user, program=program)
    count = decisions.count()

    def rows() -> Any:
        for batch in exports.chunked(decisions):
            for d in batch:
                yield {"id": d.pk, "program": d.get_program_display(),
                       "outcome": (d.result.get("explanation") or {}).get("outcome_zh", d.outcome),
                       "eligible": d.eligible, "amount_fen": d.amount_fen, "region_code": d.region.code,
                       "region_name": d.region.name, "evaluated_on": d.evaluated_on,
                       "purpose": d.get_purpose_display(), "calculator_version": d.calculator_version,
                       "created_by": d.created_by.get_username() if d.created_by else "",
                       "created_at": d.created_at, "digest": d.digest}

    return exports.export_list(actor=user, spec=DECISION_EXPORT_SPEC, rows=rows(), count=count,
                               filters={"program": program} if program else {}, masked=masked,
                               reason=options.reason)


@requires(DECISION_EXPORT)
@require_GET
def decision_export(request: HttpRequest) -> HttpResponseBase:
    program = request.GET.get("program") or None
    return exports.export_page(request, reverse("policy:decisions"), lambda options: decision_export_file(
        user=request.user, program=program, options=options))


@requires(DECISION_VIEW)
@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    services.decision_view_log(actor=request.user, decision=decision,
                               kind="print" if request.GET.get("print") else "view")
    reproduced = selectors.decision_reproduce(decision=decision)
    what_if = None
    if request.GET.get("what_if"):
        try:
            day = date.fromisoformat(request.GET["what_if"]) if request.GET["what_if"] != "today" else None
        except ValueError:
            day = None
        what_if = selectors.decision_what_if(decision=decision, on=day)
    changed = [] if what_if is None else list(what_if.parameter_changes)
    titles = parameter_titles([name for name, _before, _after in changed])
    return render(request, "policy/decision_detail.html", {
        "decision": decision, "reproduced": reproduced, "what_if": what_if,
        "parameter_changes": [(titles[name], before, after) for name, before, after in changed],
        "parameters": used_parameters(list(decision.parameters or [])), "result": reproduced.result})

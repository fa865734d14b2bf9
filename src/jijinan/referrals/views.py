"""Pages of referrals.

The case side: the tasks panel of the case page (refreshed every 30 seconds), the split form led
by the matrix, a task's page with its history and the case side's moves. The office side: the
office's queue and a task's page with the minimum of the case and the office's moves. And the
deflection flags (with a CSV export, logged) and the responsibility matrix with its history.

A refusal of the user's rights answers 403, a record outside their scope 404; any other refusal
re-renders the page with the service's sentence on the form, status 400, and changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.audit.services import access_log_record
from jijinan.cases.choices import Stage
from jijinan.cases.intake import attachments as files
from jijinan.cases.models import Case, CaseCategory, FollowUp, NeedType
from jijinan.cases.permissions import CASE_VIEW
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import apply_errors
from jijinan.core.permissions import Target, can, requires
from jijinan.core.uploads import inline_response
from jijinan.core.vocabulary import vocabulary_labels
from jijinan.referrals import selectors, services
from jijinan.referrals.choices import LIVE_FLAG, OPEN_STATUSES, TaskStatus
from jijinan.referrals.deflection import services as deflection
from jijinan.referrals.deflection.selectors import history_when
from jijinan.referrals.forms import (
    AcceptForm,
    AskForm,
    CompleteForm,
    FlagFilterForm,
    FlagSettleForm,
    OfficeChoiceForm,
    OfficeFilterForm,
    ReasonForm,
    ReturnForm,
    RuleForm,
    TaskRowForm,
    TextForm,
)
from jijinan.referrals.models import Task
from jijinan.referrals.permissions import (
    FLAG_SETTLE,
    FLAG_VIEW,
    MATRIX_MANAGE,
    MATRIX_VIEW,
    OFFICE_VIEW,
    TASK_ANSWER,
    TASK_CANCEL,
    TASK_HANDLE,
    TASK_LOCATE,
    TASK_OPEN,
    TASK_REASSIGN,
    TASK_TRANSFER,
    TASK_VIEW,
)
from jijinan.registry.selectors import program_types

PAGE_SIZE = 50
FREE_ROWS = 2


def office_label(office: Any) -> str:
    """An office as a picker shows it: its name, with its department type when the name does not
    already say it (玄武区卫健委（卫健）, but 玄武区委政法委（综治办） once)."""
    kind = office.department_type.label if office.department_type_id else ""
    return office.name if not kind or kind in office.name else f"{office.name}（{kind}）"


def _office_choices(offices: list[Any]) -> list[tuple[int, str]]:
    return [(o.pk, office_label(o)) for o in offices]


def _need_choices() -> list[tuple[str, str]]:
    return [(n.code, n.label) for n in NeedType.objects.filter(active=True)]


# --- the case side ---------------------------------------------------------------------------------


def _unresolved_needs(case: Case) -> list[str]:
    if case.stage != Stage.FOLLOW_UP:
        return []
    last = FollowUp.objects.filter(case=case).order_by("-recorded_at", "-id").first()
    return list(last.unresolved_needs) if last is not None and not last.need_resolved else []


@requires(TASK_VIEW)
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's panel of tasks (fetched by the page, then every 30 seconds)."""
    case = selectors.case_for_referral(user=request.user, pk=case_id, action=CASE_VIEW)
    tasks = selectors.case_tasks(user=request.user, case=case)
    unresolved = _unresolved_needs(case)
    names = vocabulary_labels(NeedType)
    return render(request, "referrals/case_panel.html", {
        "case": case, "tasks": tasks, "now": timezone.now(),
        "may_split": case.stage in services.REFERRABLE_STAGES and can(
            request.user, TASK_OPEN, services.case_target(case)),
        "open_count": sum(t.status in OPEN_STATUSES for t in tasks),
        "unresolved": [(code, names.get(code, code)) for code in unresolved]})


def _split_rows(routes: list[services.Route]) -> list[dict[str, Any]]:
    rows = []
    for route in routes:
        rows.append({"pick": route.office is not None, "need": route.need.code, "rule_id": route.rule.pk,
                     "office": route.office.pk if route.office else None,
                     "description": _("%(need)s：请按职责办理") % {"need": route.need.label},
                     "required_result": route.required_result})
    return rows


@requires(TASK_OPEN)
@require_http_methods(["GET", "POST"])
def split(request: HttpRequest, case_id: int) -> HttpResponse:
    """分办: the matrix proposes an office per need; the caseworker picks, adds, writes what to do."""
    case = selectors.case_for_referral(user=request.user, pk=case_id, action=TASK_OPEN)
    offices = _office_choices(selectors.referral_offices(case=case))
    needs = _need_choices()
    wanted = request.GET.getlist("need") or None
    routes = services.routes_for(case, wanted)
    initial = _split_rows(routes)
    Rows = formset_factory(TaskRowForm, extra=0 if request.method == "POST" else FREE_ROWS)
    formset = Rows(request.POST or None, initial=initial, prefix="tasks",
                   form_kwargs={"offices": offices, "needs": needs})
    error = ""
    status = 200
    if request.method == "POST":
        if formset.is_valid():
            picked = [(i, f.cleaned_data) for i, f in enumerate(formset.forms) if f.cleaned_data.get("pick")]
            drafts = [services.TaskDraft(office_id=d["office"], description=d["description"],
                                         required_result=d["required_result"], need=d.get("need") or "",
                                         rule_id=d.get("rule_id")) for _i, d in picked]
            try:
                tasks = services.tasks_open(actor=acting_user(request), case=case, drafts=drafts)
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                error = str(exc.message)
                for name, errors in (exc.field_errors or {}).items():
                    parts = name.split(".")
                    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(picked):
                        form = formset.forms[picked[int(parts[1])][0]]
                        field = {"office_id": "office"}.get(parts[2], parts[2])
                        for e in errors:
                            form.add_error(field if field in form.fields else None, e)
                    else:
                        error = "；".join(errors)
            else:
                messages.success(request, _("已分办 %(n)s 个部门任务：%(offices)s") % {
                    "n": len(tasks), "offices": "、".join(t.office.name for t in tasks)})
                return redirect("cases:case", pk=case.pk)
        status = 400
    return render(request, "referrals/split.html", {
        "case": case, "formset": formset, "error": error, "routes": routes,
        "unmatched": [dict(needs).get(n, n) for n in (wanted or case.needs) if n not in {r.need.code for r in routes}]},
        status=status)


def _case_task_context(request: HttpRequest, task: Task, bound: dict[str, django_forms.Form] | None = None
                       ) -> dict[str, Any]:
    bound = bound or {}
    user = request.user
    target = services.case_target(task.case)
    offices = _office_choices(selectors.referral_offices(case=task.case))
    version = {"version": task.version}
    return {
        "task": task, "case": task.case, "history": selectors.task_history(task=task), "now": timezone.now(),
        "reassign_form": bound.get("reassign") or (OfficeChoiceForm(initial={**version, "to_office": task.office_id},
                                                                     offices=offices)
                                                   if task.status == TaskStatus.RETURNED
                                                   and can(user, TASK_REASSIGN, target) else None),
        "cancel_form": bound.get("cancel") or (ReasonForm(initial=version) if task.status in OPEN_STATUSES
                                               and can(user, TASK_CANCEL, target) else None),
        "answer_form": bound.get("answer") or (TextForm(initial=version)
                                               if task.status in (TaskStatus.PENDING, TaskStatus.ACCEPTED)
                                               and can(user, TASK_ANSWER, target) else None),
    }


@requires(TASK_VIEW)
@require_GET
def case_task(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id)
    return render(request, "referrals/case_task.html", _case_task_context(request, task))


def _case_move(request: HttpRequest, case_id: int, task_id: int, action: str, name: str,
               form: django_forms.Form, run: Callable[[Task, dict[str, Any]], Task], done: str) -> HttpResponse:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id, action=action)
    if form.is_valid():
        try:
            run(task, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc, aliases={"to_office_id": "to_office", "attachments": "documents"})
        else:
            messages.success(request, done)
            return redirect("referrals:case_task", case_id=case_id, task_id=task_id)
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id)
    return render(request, "referrals/case_task.html", _case_task_context(request, task, {name: form}), status=400)


@requires(TASK_REASSIGN)
@require_POST
def case_reassign(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id, action=TASK_REASSIGN)
    form = OfficeChoiceForm(request.POST, offices=_office_choices(selectors.referral_offices(case=task.case)))
    return _case_move(request, case_id, task_id, TASK_REASSIGN, "reassign", form, lambda t, d: services.task_reassign(
        actor=acting_user(request), task=t, version=d["version"], to_office_id=d["to_office"], reason=d["reason"]),
        _("已重新交办"))


@requires(TASK_CANCEL)
@require_POST
def case_cancel(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    return _case_move(request, case_id, task_id, TASK_CANCEL, "cancel", ReasonForm(request.POST),
                      lambda t, d: services.task_cancel(actor=acting_user(request), task=t, version=d["version"],
                                                        reason=d["reason"]), _("已撤回任务"))


@requires(TASK_ANSWER)
@require_POST
def case_answer(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    form = TextForm(request.POST, request.FILES)
    return _case_move(request, case_id, task_id, TASK_ANSWER, "answer", form,
                      lambda t, d: services.task_answer(actor=acting_user(request), task=t, version=d["version"],
                                                        text=d["text"], uploads=form.uploads()),
                      _("已补充材料，已通知承办部门"))


def _send_file(request: HttpRequest, task: Task, pk: int) -> HttpResponse:
    attachment = selectors.task_attachment_get(task=task, pk=pk)
    content = files.read(attachment.path)
    access_log_record(actor=request.user, kind="view", subject=task, subject_label=task.number,
                      region_code=task.case.handling_region.code, fields=["attachment"],
                      purpose=_("查看附件 %(name)s") % {"name": attachment.name})
    extension = attachment.path.rsplit(".", 1)[-1]
    return inline_response(content, content_type=attachment.content_type,
                           filename=f"task-{task.pk}-{attachment.pk}.{extension}")


@requires(TASK_VIEW)
@require_GET
def case_task_file(request: HttpRequest, case_id: int, task_id: int, file_id: int) -> HttpResponse:
    return _send_file(request, selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id), file_id)


# --- the office side --------------------------------------------------------------------------------


@requires(OFFICE_VIEW)
@require_GET
def office_queue(request: HttpRequest) -> HttpResponse:
    form = OfficeFilterForm(request.GET or None)
    status, q = "open", ""
    if form.is_valid():
        status, q = form.cleaned_data["status"] or "open", form.cleaned_data["q"]
    page = Paginator(selectors.office_tasks(user=request.user, status=status, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "referrals/office_queue.html", {"form": form, "page": page, "now": timezone.now(),
                                                           "status": status})


def _office_task_context(request: HttpRequest, task: Task, bound: dict[str, django_forms.Form] | None = None
                         ) -> dict[str, Any]:
    bound = bound or {}
    user = request.user
    target = services.office_target(task.office)
    handle = can(user, TASK_HANDLE, target)
    version = {"version": task.version}
    live = task.status in (TaskStatus.PENDING, TaskStatus.ACCEPTED)
    accepted = task.status == TaskStatus.ACCEPTED

    def offer(name: str, allowed: bool, make: Callable[[], django_forms.Form]) -> django_forms.Form | None:
        return bound.get(name) or (make() if allowed else None)

    return {
        "task": task, "brief": selectors.task_brief(user=user, task=task),
        "history": selectors.task_history(task=task), "now": timezone.now(),
        "accept_form": offer("accept", handle and task.status == TaskStatus.PENDING,
                             lambda: AcceptForm(initial=version)),
        "return_form": offer("return", handle and live, lambda: ReturnForm(initial=version)),
        "ask_form": offer("ask", handle and live, lambda: AskForm(initial=version)),
        "progress_form": offer("progress", handle and accepted, lambda: TextForm(initial=version)),
        "complete_form": offer("complete", handle and accepted, lambda: CompleteForm(initial=version)),
        "transfer_form": offer("transfer", live and can(user, TASK_TRANSFER, target), lambda: OfficeChoiceForm(
            initial=version, offices=_office_choices(selectors.transfer_offices(task=task)))),
    }


@requires(OFFICE_VIEW)
@require_GET
def office_task(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.office_task_get(user=request.user, pk=task_id)
    return render(request, "referrals/office_task.html", _office_task_context(request, task))


def _office_move(request: HttpRequest, task_id: int, action: str, name: str, make: Callable[[Task], Any],
                 run: Callable[[Task, Any], Task], done: str) -> HttpResponse:
    task = selectors.office_task_get(user=request.user, pk=task_id, action=action)
    form = make(task)
    if form.is_valid():
        try:
            run(task, form)
        except DomainError as exc:
            apply_errors(form, exc, aliases={"to_office_id": "to_office", "amount_fen": "amount_yuan",
                                             "attachments": "documents"})
        else:
            messages.success(request, done)
            if action == TASK_TRANSFER or (name == "return"):
                return redirect("referrals:office_queue")
            return redirect("referrals:office_task", task_id=task_id)
    task = selectors.office_task_get(user=request.user, pk=task_id)
    return render(request, "referrals/office_task.html", _office_task_context(request, task, {name: form}),
                  status=400)


@requires(TASK_HANDLE)
@require_POST
def office_accept(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_HANDLE, "accept", lambda t: AcceptForm(request.POST),
                        lambda t, f: services.task_accept(actor=acting_user(request), task=t,
                                                          version=f.cleaned_data["version"],
                                                          note=f.cleaned_data["note"]), _("已接收任务"))


@requires(TASK_HANDLE)
@require_POST
def office_return(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_HANDLE, "return", lambda t: ReturnForm(request.POST),
                        lambda t, f: services.task_return(actor=acting_user(request), task=t,
                                                          version=f.cleaned_data["version"],
                                                          reason_code=f.cleaned_data["reason_code"],
                                                          reason=f.cleaned_data["reason"]), _("已退回任务"))


@requires(TASK_HANDLE)
@require_POST
def office_ask(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_HANDLE, "ask", lambda t: AskForm(request.POST),
                        lambda t, f: services.task_ask(actor=acting_user(request), task=t,
                                                       version=f.cleaned_data["version"], text=f.cleaned_data["text"]),
                        _("已要求补充材料（期限继续计算）"))


@requires(TASK_HANDLE)
@require_POST
def office_progress(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_HANDLE, "progress", lambda t: TextForm(request.POST, request.FILES),
                        lambda t, f: services.task_progress(actor=acting_user(request), task=t,
                                                            version=f.cleaned_data["version"],
                                                            text=f.cleaned_data["text"], uploads=f.uploads()),
                        _("已登记办理进展"))


@requires(TASK_HANDLE)
@require_POST
def office_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_HANDLE, "complete",
                        lambda t: CompleteForm(request.POST, request.FILES),
                        lambda t, f: services.task_complete(actor=acting_user(request), task=t,
                                                            version=f.cleaned_data["version"],
                                                            result=f.cleaned_data["result"],
                                                            amount_fen=f.amount_fen(), uploads=f.uploads()),
                        _("任务已办结，已通知交办的乡镇"))


@requires(TASK_TRANSFER)
@require_POST
def office_transfer(request: HttpRequest, task_id: int) -> HttpResponse:
    return _office_move(request, task_id, TASK_TRANSFER, "transfer",
                        lambda t: OfficeChoiceForm(request.POST, offices=_office_choices(
                            selectors.transfer_offices(task=t))),
                        lambda t, f: services.task_transfer(actor=acting_user(request), task=t,
                                                            version=f.cleaned_data["version"],
                                                            to_office_id=f.cleaned_data["to_office"],
                                                            reason=f.cleaned_data["reason"]), _("已转办"))


@requires(OFFICE_VIEW)
@require_GET
def office_task_file(request: HttpRequest, task_id: int, file_id: int) -> HttpResponse:
    return _send_file(request, selectors.office_task_get(user=request.user, pk=task_id), file_id)


@requires(TASK_LOCATE)
@require_GET
def task_locate(request: HttpRequest, task_id: int) -> HttpResponse:
    """A link to a task (from a deadline, a notice) opens the side the user works on."""
    side, task = selectors.task_locate(user=request.user, pk=task_id)
    if side == "office":
        return redirect("referrals:office_task", task_id=task.pk)
    return redirect("referrals:case_task", case_id=task.case_id, task_id=task.pk)


# --- flags ------------------------------------------------------------------------------------------


@requires(FLAG_VIEW)
@require_GET
def flags(request: HttpRequest) -> HttpResponse:
    form = FlagFilterForm(request.GET or None)
    reason, q, status = "", "", selectors.FLAG_LIVE
    if form.is_valid():
        reason, q = form.cleaned_data["reason"], form.cleaned_data["q"]
        status = form.cleaned_data["status"] or selectors.FLAG_LIVE
    found = selectors.flags_for_user(user=request.user, reason=reason, q=q, status=status)
    if request.GET.get("format") == "csv":
        return _flags_csv(request, list(found[:10000]))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "referrals/flags.html", {"form": form, "page": page, "status": status,
                                                    "may_settle": can(request.user, FLAG_SETTLE)})


def _flag_page(request: HttpRequest, flag: Any, form: FlagSettleForm | None = None, status: int = 200
               ) -> HttpResponse:
    live = flag.status in LIVE_FLAG
    may_settle = live and can(request.user, FLAG_SETTLE, Target(region_prefix=flag.covering_region.prefix))
    if may_settle and form is None:
        form = FlagSettleForm(initial={"version": flag.version})
    return render(request, "referrals/flag.html", {"flag": flag, "settle_form": form if may_settle else None,
                                                   "live": live}, status=status)


@requires(FLAG_VIEW)
@require_GET
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """One flag: what triggered it, its history, and its settling (or the form to settle it)."""
    return _flag_page(request, selectors.flag_get_for_user(user=request.user, pk=pk))


@requires(FLAG_SETTLE)
@require_POST
def flag_settle(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.flag_get_for_user(user=request.user, pk=pk, action=FLAG_SETTLE)
    form = FlagSettleForm(request.POST)
    if form.is_valid():
        try:
            settled = deflection.flag_settle(actor=acting_user(request), flag=found,
                                             version=form.cleaned_data["version"],
                                             status=form.cleaned_data["status"], outcome=form.cleaned_data["outcome"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("预警已处理：%(status)s") % {"status": settled.get_status_display()})
            return redirect("referrals:flag", pk=settled.pk)
    return _flag_page(request, selectors.flag_get_for_user(user=request.user, pk=pk), form, status=400)


def _flags_csv(request: HttpRequest, rows: list[Any]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("预警时间"), _("更新时间"), _("预警类型"), _("事项编号"), _("任务编号"), _("说明"),
                     _("涉及部门"), _("统筹区划"), _("统筹机构"), _("触发次数"), _("处理状态"), _("处理结果"),
                     _("处理时间"), _("交办经过")])
    for f in rows:
        steps = "；".join(f"{history_when(h['at'])} {h['label']} {h['from']}→{h['to']} {h['reason']}".strip()
                         for h in f.history)
        writer.writerow([timezone.localtime(f.raised_at).strftime("%Y-%m-%d %H:%M"),
                         timezone.localtime(f.updated_at).strftime("%Y-%m-%d %H:%M"), f.get_reason_display(),
                         f.task.case.number, f.task.number, f.detail, "、".join(f.offices), f.covering_region.name,
                         f.covering_office.name if f.covering_office else "", f.occurrences,
                         f.get_status_display(), f.outcome,
                         timezone.localtime(f.settled_at).strftime("%Y-%m-%d %H:%M") if f.settled_at else "", steps])
    access_log_record(actor=request.user, kind="export", subject_type="referrals.deflectionflag",
                      fields=["case_number", "offices", "history"], purpose=_("导出推诿预警"), rows=len(rows))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deflection-flags.csv"'
    return response


# --- the matrix -------------------------------------------------------------------------------------


def _rule_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> RuleForm:
    return RuleForm(data, user=request.user, needs=_need_choices(),
                    categories=[(c.code, c.label) for c in CaseCategory.objects.filter(active=True)],
                    departments=[(d.code, d.label) for d in selectors.department_types()],
                    programs=[(p.code, p.label) for p in program_types()], **kwargs)


@requires(MATRIX_VIEW)
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    history = request.GET.get("history") == "1"
    rows = selectors.rules(history=history, need=request.GET.get("need", ""))
    return render(request, "referrals/matrix.html", {
        "rows": rows, "history": history, "may_manage": can(request.user, MATRIX_MANAGE),
        "retire_form": ReasonForm()})


def _rule_input(d: dict[str, Any]) -> services.RuleInput:
    return services.RuleInput(need=d["need"], department_type=d["department_type"],
                              required_result=d["required_result"], category=d["category"] or "",
                              program=d["program"] or "", region_code=d["region_code"] or "",
                              limit_count=d["limit_count"], limit_unit=d["limit_unit"] or "", duty=d["duty"] or "")


@requires(MATRIX_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_add(request: HttpRequest) -> HttpResponse:
    form = _rule_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_add(actor=acting_user(request), data=_rule_input(form.cleaned_data))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新增职责清单条目"))
            return redirect("referrals:matrix")
    return render(request, "referrals/rule_form.html", {"form": form, "title": _("新增职责清单条目")},
                  status=400 if form.errors else 200)


@requires(MATRIX_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(pk=pk)
    initial = {"need": rule.need.code, "category": rule.category.code if rule.category else "",
               "program": rule.program, "region_code": rule.region.code if rule.region else "",
               "department_type": rule.department_type.code, "limit_count": rule.limit_count,
               "limit_unit": rule.limit_unit, "required_result": rule.required_result, "duty": rule.duty,
               "version": rule.version}
    form = _rule_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_change(actor=acting_user(request), rule=rule, version=form.cleaned_data["version"],
                                 data=_rule_input(form.cleaned_data))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已修改：原条目已停用并保留在历史中"))
            return redirect("referrals:matrix")
    return render(request, "referrals/rule_form.html", {"form": form, "rule": rule, "title": _("修改职责清单条目")},
                  status=400 if form.errors else 200)


@requires(MATRIX_MANAGE)
@require_POST
def rule_retire(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.rule_retire(actor=acting_user(request), rule=rule, version=form.cleaned_data["version"],
                                 reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, "；".join(e for es in exc.field_errors.values() for e in es) or str(exc.message))
        else:
            messages.success(request, _("已停用该条目"))
    else:
        messages.error(request, _("请提供版本号和停用原因"))
    return redirect("referrals:matrix")

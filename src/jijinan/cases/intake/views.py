"""Pages of intake: one form for every staff channel, the public self-application, attachments,
the crisis duty rota and an informant's own reports (the case page is :mod:`jijinan.cases.views`).

Every page reads through the selectors (scoped) and writes through the services."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.audit.services import access_log_record
from jijinan.cases import selectors
from jijinan.cases.intake import attachments as files
from jijinan.cases.intake import forms, services
from jijinan.cases.permissions import (
    ATTACHMENT_ADD,
    CASE_CREATE,
    CASE_VIEW,
    CASE_VIEW_OWN,
    ON_CALL_MANAGE,
    SUBJECT_IDENTIFY,
)
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import apply_errors, refusal_on_form
from jijinan.core.messaging.sms import otp_issue, otp_verify
from jijinan.core.permissions import PUBLIC, Target, can, requires
from jijinan.core.protected.ids import normalise_phone
from jijinan.core.uploads import inline_response
from jijinan.regions.models import Region
from jijinan.regions.pickers import bind_region_pickers
from jijinan.registry import pickers
from jijinan.registry import selectors as registry_selectors
from jijinan.registry.permissions import HOUSEHOLD_VIEW, PERSON_VIEW

# The intake service names some inputs otherwise than the form does.
INTAKE_FIELDS = {"new_person": "subject_mode", "id_number": "new_id_number", "id_unknown": "new_id_number",
                 "residence_region_code": "new_residence_region_code", "name": "subject_name",
                 "work_orders.12345": "work_order_12345", "work_orders.110": "work_order_110",
                 "work_orders.120": "work_order_120", "work_orders": "work_order_12345"}


def _intake_initial(request: HttpRequest) -> dict[str, Any]:
    """A new form: the channel and township a link may give, and the person or household of a
    "start a case" link (404 when the user may not see them)."""
    initial: dict[str, Any] = {"client_key": uuid.uuid4().hex, "channel": request.GET.get("channel", ""),
                               "handling_region_code": request.GET.get("region", "")}
    person_pk, household_pk = request.GET.get("person", ""), request.GET.get("household", "")
    if not (person_pk or household_pk):
        return initial
    if not (person_pk or household_pk).isdigit():
        raise Http404
    if person_pk:
        person = registry_selectors.person_get_for_user(user=request.user, pk=int(person_pk))
        initial.update(subject_mode="person", person_id=person.pk)
        region = person.residence_region.code
    else:
        household = registry_selectors.household_get_for_user(user=request.user, pk=int(household_pk))
        initial.update(subject_mode="household", household_id=household.pk)
        region = household.region.code
    initial["handling_region_code"] = initial["handling_region_code"] or region
    return initial


def _picker_context(request: HttpRequest, form: forms.IntakeForm) -> dict[str, Any]:
    """The chosen person or household shown again as the checked radio (with its masked label),
    and the results of a search the form was sent for (without script, the "查找" buttons)."""
    user = request.user
    value = (lambda name: form.data.get(name, "")) if form.is_bound else (lambda name: form.initial.get(name, ""))
    context: dict[str, Any] = {
        "may_pick_person": can(user, PERSON_VIEW), "may_pick_household": can(user, HOUSEHOLD_VIEW),
        "person_url": reverse("registry:pick_persons"), "household_url": reverse("registry:pick_households"),
        "person_q": request.POST.get("person_q", ""), "household_q": request.POST.get("household_q", "")}
    for name, one, find, q in (("person", pickers.person_option, pickers.find_persons, "person_q"),
                               ("household", pickers.household_option, pickers.find_households, "household_q")):
        chosen = value(f"{name}_id")
        option = one(user=user, pk=chosen) if chosen and context[f"may_pick_{name}"] else None
        found = pickers.Found([option] if option else [])
        if form.is_bound and request.POST.get("find") == name and context[f"may_pick_{name}"]:
            found = find(user=user, q=request.POST.get(q, ""))
            if option and all(o.value != option.value for o in found.options):
                found.options.insert(0, option)
        context[f"{name}_found"] = found
        context[f"{name}_chosen"] = option.value if option else None
    return context


@requires(CASE_CREATE)
@require_http_methods(["GET", "POST"])
def case_intake(request: HttpRequest) -> HttpResponse:
    initial = _intake_initial(request) if request.method == "GET" else {}
    form = forms.IntakeForm(request.POST or None, request.FILES or None, initial=initial)
    bind_region_pickers(form, request.user)
    status = 200
    if request.method == "POST" and request.POST.get("find"):
        form.suppress_errors()  # only a search in the registry: nothing is checked yet
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = services.case_intake(actor=acting_user(request), data=form.to_input(),
                                              attachments=form.uploads())
            except DomainError as exc:
                status = refusal_on_form(form, exc, field="handling_region_code", aliases=INTAKE_FIELDS)
            else:
                case = result.case
                messages.success(request, _("已登记，事项编号 %(number)s") % {"number": case.number})
                if can(request.user, CASE_VIEW, Target(region_prefix=case.handling_region.prefix)):
                    return redirect("cases:case", pk=case.pk)
                return redirect("cases:intake")
    # A "start a case" link: the subject it names wins over a draft kept in the browser.
    fresh = bool(initial.get("person_id") or initial.get("household_id"))
    return render(request, "cases/intake_form.html", {"form": form, "fresh": fresh, **_picker_context(request, form)},
                  status=status)


@requires(ATTACHMENT_ADD)
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=ATTACHMENT_ADD)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            files.check_size(upload.size, field="file")
            services.case_attachment_add(actor=acting_user(request), case=case,
                                         upload=files.Upload(upload.name, upload.read()))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, "；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message))
            return redirect("cases:case", pk=case.pk)
        messages.success(request, _("附件已上传"))
    else:
        messages.error(request, _("请选择要上传的文件"))
    return redirect("cases:case", pk=case.pk)


@requires(CASE_VIEW)
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The file, read from the private directory; each view is logged."""
    attachment = selectors.attachment_get_for_user(user=request.user, case_pk=pk, pk=attachment_pk)
    content = files.read(attachment.storage_name)
    access_log_record(actor=request.user, kind="view", subject=attachment.case,
                      subject_label=attachment.case.number, region_code=attachment.case.handling_region.code,
                      fields=["attachment"], purpose=_("查看附件 %(name)s") % {"name": attachment.name})
    extension = attachment.storage_name.rsplit(".", 1)[-1]
    return inline_response(content, content_type=attachment.content_type,
                           filename=f"attachment-{attachment.pk}.{extension}")


ONLINE_OTP_PURPOSE = "cases.online_application"


@requires(PUBLIC)
@require_http_methods(["GET", "POST"])
def online_application(request: HttpRequest) -> HttpResponse:
    """The public self-application: a one-time code proves the mobile, then the case is reported
    (stage "reported") to the township, and the applicant gets its number by text message."""
    form = forms.OnlineApplicationForm(request.POST or None)
    bind_region_pickers(form, request.user)
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            phone = normalise_phone(form.cleaned_data["phone"], field="phone")
            if request.POST.get("action") == "send_code":
                otp_issue(phone=phone, purpose=ONLINE_OTP_PURPOSE)
                messages.info(request, _("验证码已发送，请查收短信"))
            elif not otp_verify(phone=phone, purpose=ONLINE_OTP_PURPOSE, code=form.cleaned_data["code"] or ""):
                form.add_error("code", _("验证码不正确"))
            else:
                done = services.case_intake(actor=None, data=form.to_input(phone)).case
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
    status = 400 if form.errors else 200
    return render(request, "cases/online_application.html", {"form": form, "done": done}, status=status)


@requires(ON_CALL_MANAGE)
@require_http_methods(["GET", "POST"])
def on_call(request: HttpRequest) -> HttpResponse:
    """The crisis duty rota of the user's counties, and a form to add a period."""
    form = forms.OnCallForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.on_call_add(actor=acting_user(request), county_code=d["county_code"], user=d["user"],
                                 starts_at=d["starts_at"], ends_at=d["ends_at"], note=d["note"])
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加值班安排"))
            return redirect("cases:on_call")
    if form.is_bound:
        form.offer_eligible()
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/on_call.html", {
        "form": form, "rows": selectors.on_call_list_for_user(user=request.user)}, status=status)


@requires(CASE_VIEW_OWN)
@require_GET
def own_reports(request: HttpRequest) -> HttpResponse:
    """An informant's own reports and where they stand."""
    return render(request, "cases/own_reports.html", {"cases": selectors.own_reports_for_user(user=request.user)})


SEARCH_LIMIT = 20


def _candidates(user: Any, q: str) -> list[dict[str, object]]:
    """The persons the search finds (at most 20), each with the household they live in now."""
    persons = list(registry_selectors.person_search_for_user(
        user=user, search=registry_selectors.PersonSearch(q=q))[:SEARCH_LIMIT])
    out = []
    for person in persons:
        member = registry_selectors.active_household_member(person=person)
        protected: Any = person.id_number  # a Protected value: masked, decrypted only to mask it
        out.append({"person": person, "household": member.household if member else None,
                    "p_value": f"p:{person.pk}", "h_value": f"h:{member.household_id}" if member else "",
                    "relation": member.get_relation_display() if member else "",
                    "id_shown": person.temporary_number if person.id_unknown or protected is None
                    else protected.masked})
    return out


def _residence_choices(case_region: Region) -> list[tuple[str, str]]:
    """Where a person registered now lives: the case's township or one of its villages."""
    villages = Region.objects.filter(parent=case_region).order_by("code")
    return [(case_region.code, case_region.name)] + [(r.code, f"{case_region.name} {r.name}") for r in villages]


@requires(SUBJECT_IDENTIFY)
@require_http_methods(["GET", "POST"])
def identify_subject(request: HttpRequest, pk: int) -> HttpResponse:
    """确认对象身份: find the person (or household) in the registry and attach them, or register them."""
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=SUBJECT_IDENTIFY)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    search = forms.SubjectSearchForm(data if step in ("search", "identify") else None)
    identify = forms.IdentifyForm(data if step == "identify" else None, initial={"version": case.version})
    register = forms.RegisterSubjectForm(data if step == "register" else None, initial={
        "version": case.version, "name": case.subject_name, "residence_region": case.handling_region.code},
        regions=_residence_choices(case.handling_region))
    candidates: list[dict[str, object]] = []
    if step in ("search", "identify") and search.is_valid():
        try:
            candidates = _candidates(request.user, search.cleaned_data["q"])
        except DomainError as exc:
            apply_errors(search, exc)
    chosen = identify if step == "identify" else register if step == "register" else None
    if chosen is not None and chosen.is_valid():
        try:
            services.case_subject_identify(actor=acting_user(request), case=case,
                                           version=chosen.cleaned_data["version"], data=chosen.to_input())
        except DomainError as exc:
            apply_errors(chosen, exc, rename=lambda name: _identify_field(name, step))
        else:
            messages.success(request, _("已确认对象身份"))
            return redirect("cases:case", pk=case.pk)
    status = 400 if any(f.errors for f in (search, identify, register)) else 200
    return render(request, "cases/identify_subject.html", {
        "case": case, "search": search, "identify": identify, "register": register, "candidates": candidates,
        "searched": step in ("search", "identify") and search.is_valid(), "step": step,
        "chosen": request.POST.get("choice", "") if step == "identify" else ""}, status=status)


def _identify_field(name: str, step: str) -> str:
    """The form field a service error names (the service speaks of ids and the new person's fields)."""
    if step == "identify":
        return "choice" if name in ("person_id", "household_id") else name
    return {"new_person": "name", "residence_region_code": "residence_region"}.get(name, name)

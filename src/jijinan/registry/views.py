"""Pages of the registry: person search and pages, households, program memberships, consents,
program types. Every page reads through the selectors (scoped) and writes through the services."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.formerrors import apply_errors, flash_errors, form_status
from jijinan.core.permissions import Target, can, require, requires
from jijinan.core.protected.ids import mask_id_number
from jijinan.regions.pickers import bind_region_pickers
from jijinan.registry import forms, selectors, services
from jijinan.registry.chain import assistance_chain
from jijinan.registry.choices import ConsentCategory, MembershipStatus, ProgramSubject, Relation
from jijinan.registry.links import household_links_for, person_links_for
from jijinan.registry.models import Household, HouseholdMember, Membership, Person
from jijinan.registry.permissions import (
    CONSENT_MANAGE,
    CONSENT_VIEW,
    HOUSEHOLD_EXPORT,
    HOUSEHOLD_MANAGE,
    HOUSEHOLD_UNMASK,
    HOUSEHOLD_VIEW,
    MEMBERSHIP_MANAGE,
    PERSON_EXPORT,
    PERSON_MANAGE,
    PERSON_UNMASK,
    PERSON_VIEW,
    PROGRAM_TYPE_MANAGE,
    PROGRAM_TYPE_VIEW,
)
from jijinan.registry.refusals import household_region_code, person_region_code, refusals_recorded_for

PAGE_SIZE = 50


# --- persons --------------------------------------------------------------------------------------------
def _search_params(request: HttpRequest) -> Any:
    """The list's search: the page's form posts it, since the box may hold an ID number or a phone
    (or their ends), which never go into an address; a GET query (a link, a bookmark) still works."""
    return request.POST if request.method == "POST" else request.GET


@requires(PERSON_VIEW)
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    params = _search_params(request)
    form = forms.SearchForm(params if any(params.get(name) for name in PERSON_FILTERS) else None)
    bind_region_pickers(form, request.user, action=PERSON_VIEW)
    context: dict[str, Any] = {"form": form, "may_add": can(request.user, PERSON_MANAGE),
                               "posted_filters": _posted_filters(request, PERSON_FILTERS),
                               **_export_context(request, PERSON_EXPORT, PERSON_UNMASK, "registry:person_export",
                                                 PERSON_FILTERS)}
    search = selectors.PersonSearch()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        search = selectors.PersonSearch(q=d["q"], region=d["region"], program=d["program"], flag=d["flag"])
    context.update(searched=search != selectors.PersonSearch(), page=None)
    status = 400 if form.errors else 200
    try:
        persons = selectors.person_search_for_user(user=request.user, search=search)
        active = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("program")
        page = Paginator(persons.prefetch_related(Prefetch("memberships", queryset=active, to_attr="active")),
                         PAGE_SIZE).get_page(params.get("page"))
    except DomainError as exc:
        apply_errors(form, exc)
        status = 400
    else:
        page.object_list = list(page.object_list)
        _add_household_programs(page.object_list)
        context.update(page=page, views=selectors.person_views(user=request.user, persons=page.object_list))
    return render(request, "registry/person_list.html", context, status=status)


def _add_household_programs(persons: Sequence[Person]) -> None:
    """Each listed person's ``active`` programs gain their household's (two queries a page)."""
    household_of = dict(HouseholdMember.objects.filter(
        person__in=persons, left_on__isnull=True).values_list("person_id", "household_id"))
    by_household: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(household_id__in=set(household_of.values()),
                                       status=MembershipStatus.ACTIVE).select_related("program"):
        by_household.setdefault(m.household_id or 0, []).append(m)
    for p in persons:
        p.active = [*p.active, *by_household.get(household_of.get(p.pk, 0), [])]  # type: ignore[attr-defined]


def _person_context(request: HttpRequest, view: selectors.PersonView, **extra: Any) -> dict[str, Any]:
    person = view.person
    target = Target(region_prefix=person.residence_region.prefix)
    member = selectors.active_household_member(person=person)
    full = view.full
    context: dict[str, Any] = {
        "view": view, "person": person, "shown": view.shown, "member": member,
        "household_members": selectors.household_members(household=member.household)
        if member is not None and view.shows(ConsentCategory.HOUSEHOLD) else None,
        "memberships": selectors.person_memberships(person=person)
        if view.shows(ConsentCategory.PROGRAMS) else None,
        "chain": assistance_chain(person=person, user=request.user)
        if view.shows(ConsentCategory.PROGRAMS) else None,
        "consents": selectors.consents_of(user=request.user, person=person) if full and can(
            request.user, CONSENT_VIEW, target) else None,
        "may_edit": full and can(request.user, PERSON_MANAGE, target),
        "may_unmask": full and can(request.user, PERSON_UNMASK, target),
        "show_unmask": full and "revealed" not in extra and can(request.user, PERSON_UNMASK, target)
        and (person.id_number is not None or person.phone is not None),
        "may_add_membership": full and can(request.user, MEMBERSHIP_MANAGE, target),
        "may_manage_consents": full and can(request.user, CONSENT_MANAGE, target),
        "may_add_household": full and member is None and can(request.user, HOUSEHOLD_MANAGE, target),
        "unmask_form": forms.UnmaskForm(),
        "membership_form": forms.MembershipForm(subject=ProgramSubject.PERSON),
        "links": person_links_for(user=request.user, person=person) if full else [],
    }
    context.update(extra)
    return context


@requires(PERSON_VIEW)
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.person_detail_for_user(user=request.user, pk=pk)
    return render(request, "registry/person_detail.html", _person_context(request, view))


@refusals_recorded_for("registry.person", "pk", person_region_code)
@requires(PERSON_UNMASK)
@require_POST
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows the plaintext once, on this response only (never stored in the session)."""
    person = selectors.person_get_for_user(user=request.user, pk=pk, action=PERSON_UNMASK)
    form = forms.UnmaskForm(request.POST)
    purpose = form.cleaned_data["purpose"] if form.is_valid() else ""
    revealed = services.person_unmask(actor=acting_user(request), person=person, purpose=purpose)
    view = selectors.person_detail_for_user(user=request.user, pk=pk, log=False)
    return render(request, "registry/person_detail.html",
                  _person_context(request, view, revealed=revealed.values))


def _person_initial(person: Person) -> dict[str, Any]:
    return {
        "name": person.name, "id_unknown": person.id_unknown, "sex": person.sex,
        "birth_date": person.birth_date, "residence_region_code": person.residence_region.code,
        "residence_address": person.residence_address,
        "registered_region_code": person.registered_region_code,
        "registered_region_name": person.registered_region_name,
        "disability_category": person.disability_category, "disability_grade": person.disability_grade,
        "serious_illness": person.serious_illness, "health_conditions": person.health_conditions,
        "employment": person.employment, "education": person.education, "living_alone": person.living_alone,
        "situation": person.situation, "version": person.version,
    }


@requires(PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = forms.PersonForm(request.POST or None, initial={"residence_region_code": request.GET.get("region", "")})
    bind_region_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=acting_user(request), data=form.to_input(editing=False))
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记"))
            return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form}, status=form_status(form))


@requires(PERSON_MANAGE)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, action=PERSON_MANAGE)
    form = forms.PersonForm(request.POST or None, initial=_person_initial(person))
    bind_region_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=acting_user(request), person=person, version=form.cleaned_data["version"] or 0,
                                   data=form.to_input(editing=True))
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:person", pk=pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person}, status=form_status(form))


# --- program memberships ------------------------------------------------------------------------------------
def _membership_page(request: HttpRequest, form: forms.MembershipForm, *, person: Person | None = None,
                     household: Household | None = None, membership: Membership | None = None) -> HttpResponse:
    return render(request, "registry/membership_form.html", {
        "form": form, "person": person, "household": household, "membership": membership},
        status=form_status(form))


@requires(MEMBERSHIP_MANAGE)
@require_http_methods(["GET", "POST"])
def person_membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, action=MEMBERSHIP_MANAGE)
    form = forms.MembershipForm(request.POST or None, subject=ProgramSubject.PERSON)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_create(actor=acting_user(request), person=person, data=form.to_input())
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记救助项目"))
            return redirect("registry:person", pk=pk)
    return _membership_page(request, form, person=person)


@requires(MEMBERSHIP_MANAGE)
@require_http_methods(["GET", "POST"])
def household_membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=MEMBERSHIP_MANAGE)
    form = forms.MembershipForm(request.POST or None, subject=ProgramSubject.HOUSEHOLD)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_create(actor=acting_user(request), household=household, data=form.to_input())
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记救助项目"))
            return redirect("registry:household", pk=pk)
    return _membership_page(request, form, household=household)


@requires(MEMBERSHIP_MANAGE)
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for_user(user=request.user, pk=pk, action=MEMBERSHIP_MANAGE)
    initial = {"program": membership.program.code, "start_date": membership.start_date,
               "end_date": membership.end_date, "status": membership.status,
               "reporting_department": membership.reporting_department.code if membership.reporting_department else "",
               "reference": membership.reference, "note": membership.note, "version": membership.version}
    form = forms.MembershipForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(actor=acting_user(request), membership=membership,
                                       version=form.cleaned_data["version"] or 0, data=form.to_input())
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            if membership.person_id:
                return redirect("registry:person", pk=membership.person_id)
            return redirect("registry:household", pk=membership.household_id)
    return _membership_page(request, form, person=membership.person, household=membership.household,
                            membership=membership)


# --- consents -----------------------------------------------------------------------------------------------
@requires(CONSENT_MANAGE)
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, action=CONSENT_MANAGE)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_grant(actor=acting_user(request), person=person, data=form.to_input())
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc, aliases={"recipient": "organisation", "organisation_id": "organisation"})
        else:
            messages.success(request, _("已登记授权"))
            return redirect("registry:person", pk=pk)
    return render(request, "registry/consent_form.html", {"form": form, "person": person}, status=form_status(form))


@requires(CONSENT_MANAGE)
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    consent = selectors.consent_get_for_user(user=request.user, pk=pk, action=CONSENT_MANAGE)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤回原因"))
    else:
        try:
            services.consent_withdraw(actor=acting_user(request), consent=consent, version=form.cleaned_data["version"],
                                      reason=form.cleaned_data["reason"])
        except DomainError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("授权已撤回"))
    return redirect("registry:person", pk=consent.person_id)


# --- households -----------------------------------------------------------------------------------------------
_PK = re.compile(r"[0-9]{1,12}")


def _find_person(request: HttpRequest, text: str, field_name: str) -> Person:
    """A person named by their record number, ID number or temporary number, if visible."""
    text = text.strip()
    if _PK.fullmatch(text):
        return selectors.person_or_404(user=request.user, pk=int(text), field_name=field_name)
    try:
        parsed = selectors.parse_query(text)
        found = [] if parsed.kind not in ("id_number", "temporary") else list(
            selectors.person_search_for_user(user=request.user, search=selectors.PersonSearch(q=text))[:2])
    except DomainError as exc:
        raise DomainError.for_field(field_name, str(exc.message)) from None
    if len(found) != 1:
        raise DomainError.for_field(field_name, _("未找到该人员：请填写人员编号、身份证号或临时编号"))
    return found[0]


@requires(HOUSEHOLD_VIEW)
@require_http_methods(["GET", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    params = _search_params(request)
    form = forms.SearchForm(params if any(params.get(name) for name in HOUSEHOLD_FILTERS) else None)
    bind_region_pickers(form, request.user, action=HOUSEHOLD_VIEW)
    search = selectors.HouseholdSearch()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        search = selectors.HouseholdSearch(q=d["q"], region=d["region"], program=d["program"])
    context: dict[str, Any] = {"form": form, "may_add": can(request.user, HOUSEHOLD_MANAGE),
                               "searched": search != selectors.HouseholdSearch(), "page": None,
                               "posted_filters": _posted_filters(request, HOUSEHOLD_FILTERS),
                               **_export_context(request, HOUSEHOLD_EXPORT, HOUSEHOLD_UNMASK,
                                                 "registry:household_export", HOUSEHOLD_FILTERS)}
    status = 400 if form.errors else 200
    try:
        households = selectors.household_list_for_user(user=request.user, search=search)
        context["page"] = Paginator(households, PAGE_SIZE).get_page(params.get("page"))
    except DomainError as exc:
        apply_errors(form, exc)
        status = 400
    return render(request, "registry/household_list.html", context, status=status)


@requires(HOUSEHOLD_MANAGE)
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"head": request.GET.get("head", "")}
    head_id = request.GET.get("head", "")
    if _PK.fullmatch(head_id):
        head = selectors.person_get_for_user(user=request.user, pk=int(head_id))
        initial.update(region_code=head.residence_region.code, address=head.residence_address)
    form = forms.HouseholdForm(request.POST or None, initial=initial)
    bind_region_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.residence_region(form.cleaned_data["region_code"], field_name="region_code")
            require(request.user, HOUSEHOLD_MANAGE, Target(region_prefix=region.prefix))
            person = _find_person(request, form.cleaned_data["head"], "head")
            household = services.household_create(actor=acting_user(request), data=form.to_input(editing=False),
                                                  members=[services.MemberInput(person, Relation.HEAD)])
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc, aliases={"members": "head", "monthly_income_fen": "monthly_income",
                                      "financial_assets_fen": "financial_assets"})
        else:
            messages.success(request, _("家庭已登记，可继续添加成员"))
            return redirect("registry:household", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form}, status=form_status(form))


def _household_context(request: HttpRequest, household: Household, **extra: Any) -> dict[str, Any]:
    target = Target(region_prefix=household.region.prefix)
    version = {"version": household.version}
    context: dict[str, Any] = {
        "household": household,
        "members": selectors.household_members(household=household, include_past=True),
        "memberships": selectors.memberships_of(household=household),
        "chain": assistance_chain(household=household, user=request.user),
        "may_edit": can(request.user, HOUSEHOLD_MANAGE, target),
        "may_unmask": can(request.user, HOUSEHOLD_UNMASK, target),
        "may_add_membership": can(request.user, MEMBERSHIP_MANAGE, target),
        "member_form": forms.MemberAddForm(initial=version),
        "remove_form": forms.MemberRemoveForm(initial=version),
        "head_form": forms.SetHeadForm(initial=version),
        "unmask_form": forms.UnmaskForm(),
        "links": household_links_for(user=request.user, household=household),
    }
    context.update(extra)
    return context


@requires(HOUSEHOLD_VIEW)
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_detail_for_user(user=request.user, pk=pk)
    return render(request, "registry/household_detail.html", _household_context(request, household))


@refusals_recorded_for("registry.household", "pk", household_region_code)
@requires(HOUSEHOLD_UNMASK)
@require_POST
def household_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=HOUSEHOLD_UNMASK)
    form = forms.UnmaskForm(request.POST)
    purpose = form.cleaned_data["purpose"] if form.is_valid() else ""
    revealed = services.household_unmask(actor=acting_user(request), household=household, purpose=purpose)
    return render(request, "registry/household_detail.html",
                  _household_context(request, household, revealed=revealed.values))


@requires(HOUSEHOLD_MANAGE)
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=HOUSEHOLD_MANAGE)
    initial = {"region_code": household.region.code, "address": household.address,
               "monthly_income": household.monthly_income_fen / 100,
               "financial_assets": household.financial_assets_fen / 100,
               "housing_area_m2": household.housing_area_m2, "vehicles": household.vehicles,
               "property_note": household.property_note, "declared_on": household.declared_on,
               "bank_name": household.bank_name, "bank_account_holder": household.bank_account_holder,
               "version": household.version}
    form = forms.HouseholdForm(request.POST or None, initial=initial, editing=True)
    bind_region_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(actor=acting_user(request), household=household,
                                      version=form.cleaned_data["version"] or 0, data=form.to_input(editing=True))
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc, aliases={"monthly_income_fen": "monthly_income",
                                      "financial_assets_fen": "financial_assets"})
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:household", pk=pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household},
                  status=form_status(form))


@requires(HOUSEHOLD_MANAGE)
@require_POST
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=HOUSEHOLD_MANAGE)
    form = forms.MemberAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写人员和与户主关系"))
        return redirect("registry:household", pk=pk)
    try:
        person = _find_person(request, form.cleaned_data["person"], "person")
        services.household_member_add(actor=acting_user(request), household=household,
                                      version=form.cleaned_data["version"], person=person,
                                      relation=form.cleaned_data["relation"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已添加成员"))
    return redirect("registry:household", pk=pk)


def _current_member(household: Household, person_pk: int) -> HouseholdMember:
    member = HouseholdMember.objects.select_related("person").filter(
        household=household, person_id=person_pk, left_on__isnull=True).first()
    if member is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return member


@requires(HOUSEHOLD_MANAGE)
@require_POST
def household_member_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=HOUSEHOLD_MANAGE)
    member = _current_member(household, person_pk)
    form = forms.MemberRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写移出原因"))
        return redirect("registry:household", pk=pk)
    try:
        services.household_member_remove(actor=acting_user(request), household=household,
                                         version=form.cleaned_data["version"], person=member.person,
                                         reason=form.cleaned_data["reason"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已移出成员"))
    return redirect("registry:household", pk=pk)


@requires(HOUSEHOLD_MANAGE)
@require_POST
def household_set_head(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=HOUSEHOLD_MANAGE)
    member = _current_member(household, person_pk)
    form = forms.SetHeadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择原户主与新户主的关系"))
        return redirect("registry:household", pk=pk)
    try:
        services.household_set_head(actor=acting_user(request), household=household,
                                    version=form.cleaned_data["version"], person=member.person,
                                    former_head_relation=form.cleaned_data["former_head_relation"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已更换户主"))
    return redirect("registry:household", pk=pk)


# --- program types ---------------------------------------------------------------------------------------------
@requires(PROGRAM_TYPE_VIEW)
@require_GET
def program_type_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/program_types.html", {
        "program_types": selectors.program_types(active_only=False),
        "may_add": can(request.user, PROGRAM_TYPE_MANAGE)})


@requires(PROGRAM_TYPE_MANAGE)
@require_http_methods(["GET", "POST"])
def program_type_create(request: HttpRequest) -> HttpResponse:
    form = forms.ProgramTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.program_type_create(actor=acting_user(request), code=d["code"], name=d["name"],
                                         subject=d["subject"], name_en=d["name_en"], description=d["description"])
        except DomainError as exc:
            if exc.status == 403:
                raise
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新增救助项目类型"))
            return redirect("registry:program_types")
    return render(request, "registry/program_type_form.html", {"form": form}, status=form_status(form))


# --- exports to Excel ------------------------------------------------------------------------------------------
# The same selectors, filters and scope as the lists above; masked unless the unmask right is used
# with a reason. The API's exports call these builders too, so there is one path per list.
C, K = exports.Column, exports.ColumnKind
PERSON_FILTERS = ("q", "region", "program", "flag")
HOUSEHOLD_FILTERS = ("q", "region", "program")
MEMBERSHIP_FILTERS = ("program", "status", "region")

PERSON_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("救助对象"), subject_type="registry.person",
    fields=["id_number", "phone", "residence_address", "disability", "serious_illness", "memberships"],
    columns=[
        C("id", gettext_lazy("人员编号"), K.NUMBER), C("name", gettext_lazy("姓名")),
        C("sex", gettext_lazy("性别"), width=6),
        C("birth_date", gettext_lazy("出生日期"), K.DATE), C("age", gettext_lazy("年龄"), K.NUMBER, width=6),
        C("id_number", gettext_lazy("身份证号"), K.ID_NUMBER),
        C("temporary_number", gettext_lazy("临时编号"), width=24),
        C("phone", gettext_lazy("联系电话"), K.PHONE),
        C("residence_region_code", gettext_lazy("居住地区划代码"), width=14),
        C("residence_region", gettext_lazy("居住地")), C("residence_address", gettext_lazy("居住地址"), width=30),
        C("living_alone", gettext_lazy("独居"), K.BOOL), C("disability", gettext_lazy("残疾类别")),
        C("serious_illness", gettext_lazy("患重病"), K.BOOL), C("programs", gettext_lazy("在保项目"), width=24),
        C("visibility", gettext_lazy("可见范围")),
    ])

HOUSEHOLD_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("家庭"), subject_type="registry.household",
    fields=["bank_account", "household_income", "household_property"],
    columns=[
        C("id", gettext_lazy("家庭编号"), K.NUMBER), C("head_name", gettext_lazy("户主")),
        C("region_code", gettext_lazy("所在区划代码"), width=14), C("region", gettext_lazy("所在区划")),
        C("address", gettext_lazy("住址"), width=30),
        C("monthly_income_fen", gettext_lazy("家庭月收入（元）"), K.MONEY_FEN),
        C("financial_assets_fen", gettext_lazy("金融资产（元）"), K.MONEY_FEN),
        C("housing_area_m2", gettext_lazy("住房面积（平方米）"), K.NUMBER),
        C("vehicles", gettext_lazy("机动车数量"), K.NUMBER),
        C("declared_on", gettext_lazy("申报日期"), K.DATE), C("bank_name", gettext_lazy("开户银行")),
        C("bank_account", gettext_lazy("银行账号"), width=24), C("bank_account_holder", gettext_lazy("账户户名")),
        C("created_at", gettext_lazy("登记时间"), K.DATETIME),
    ])

MEMBERSHIP_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("救助项目记录"), subject_type="registry.membership", fields=["memberships"],
    columns=[
        C("id", gettext_lazy("记录编号"), K.NUMBER), C("program", gettext_lazy("项目")),
        C("person_id", gettext_lazy("人员编号"), K.NUMBER),
        C("person_name", gettext_lazy("救助对象")), C("household_id", gettext_lazy("家庭编号"), K.NUMBER),
        C("region_code", gettext_lazy("所在区划代码"), width=14), C("region", gettext_lazy("所在区划")),
        C("status", gettext_lazy("状态")), C("start_date", gettext_lazy("开始日期"), K.DATE),
        C("end_date", gettext_lazy("结束日期"), K.DATE), C("reporting_department", gettext_lazy("认定/报送部门")),
        C("reference", gettext_lazy("批准文号或证号")), C("note", gettext_lazy("备注"), width=30),
    ])


def _posted_filters(request: HttpRequest, names: Sequence[str]) -> list[tuple[str, str]] | None:
    """The filters of a posted search, for the page links (which post them again); None on GET."""
    if request.method != "POST":
        return None
    return [(name, request.POST[name]) for name in names if request.POST.get(name)]


def _export_context(request: HttpRequest, export_action: str, unmask_action: str, url_name: str,
                    names: Sequence[str]) -> dict[str, Any]:
    context = exports.export_link_context(request, url=reverse(url_name), may_export=can(request.user, export_action),
                                          may_unmask=can(request.user, unmask_action))
    posted = _posted_filters(request, names)
    if posted is not None:
        # A posted search is exported by a posted form too: its filters stay out of the address.
        context.update(export_method="post", export_filters=posted, export_query="")
    return context


def _shown_filters(params: Any, names: Sequence[str]) -> dict[str, str]:
    """The filters for the file's header line and the access log; a number typed in the search box
    (an ID number, a phone, or their ends) is masked there."""
    shown = exports.query_filters(params, names)
    q = shown.get("q", "")
    try:
        kind = selectors.parse_query(q).kind if q else ""
    except DomainError:
        kind = ""
    if kind == "id_number":
        shown["q"] = mask_id_number(re.sub(r"\s", "", q).upper())
    elif kind in ("phone", "id_number_partial", "phone_partial"):
        shown["q"] = re.sub(r"[0-9Xx]", "*", q)
    return shown


def _plain(value: Any) -> str | None:
    return None if value is None else str(value.reveal())


def person_export_file(*, user: Any, search: selectors.PersonSearch, options: exports.ExportOptions,
                       filters: Mapping[str, str]) -> exports.ExportFile:
    """The persons of ``search`` that ``user`` sees, each as the list shows them (consent-limited
    rows keep only their consented categories); ID numbers and phones in clear only where the
    user may unmask that person and asked to, with a reason."""
    masked = exports.export_masked(options=options, may_unmask=can(user, PERSON_UNMASK))
    persons = selectors.person_search_for_user(user=user, search=search)
    count = persons.count()
    active = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("program")
    persons = persons.prefetch_related(Prefetch("memberships", queryset=active, to_attr="active"))

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(persons):
            _add_household_programs(batch)
            for view in selectors.person_views(user=user, persons=batch):
                yield _person_row(user, view, masked=masked)

    return exports.export_list(actor=user, spec=PERSON_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


def _person_row(user: Any, view: selectors.PersonView, *, masked: bool) -> dict[str, Any]:
    p, shows = view.person, view.shows
    clear = not masked and view.full and can(user, PERSON_UNMASK, Target(region_prefix=p.residence_region.prefix))
    contact, health = shows(ConsentCategory.CONTACT), shows(ConsentCategory.HEALTH)
    row: dict[str, Any] = {
        "id": p.pk, "name": p.name, "sex": p.get_sex_display(), "age": p.age(),
        "birth_date": p.birth_date if view.full or shows(ConsentCategory.ID_NUMBER) else None,
        "temporary_number": p.temporary_number, "residence_region_code": p.residence_region.code,
        "residence_region": p.residence_region.name,
        "visibility": _("全部") if view.full else _("授权共享"),
    }
    if shows(ConsentCategory.ID_NUMBER) and p.id_number is not None:
        row["id_number"] = _plain(p.id_number) if clear else str(p.id_number)
    if contact:
        row["phone"] = (_plain(p.phone) if clear else str(p.phone)) if p.phone is not None else None
        row["residence_address"] = p.residence_address
    if shows(ConsentCategory.SITUATION):
        row["living_alone"] = p.living_alone
    if health:
        row["disability"] = p.get_disability_category_display() if p.disability_category else ""
        row["serious_illness"] = p.serious_illness
    if shows(ConsentCategory.PROGRAMS):
        row["programs"] = "、".join(m.program.label for m in getattr(p, "active", []))
    return row


def household_export_file(*, user: Any, search: selectors.HouseholdSearch, options: exports.ExportOptions,
                          filters: Mapping[str, str]) -> exports.ExportFile:
    masked = exports.export_masked(options=options, may_unmask=can(user, HOUSEHOLD_UNMASK))
    households = selectors.household_list_for_user(user=user, search=search)
    count = households.count()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(households):
            for h in batch:
                clear = not masked and can(user, HOUSEHOLD_UNMASK, Target(region_prefix=h.region.prefix))
                account = None if h.bank_account is None else (_plain(h.bank_account) if clear else str(h.bank_account))
                yield {"id": h.pk, "head_name": getattr(h, "head_name", None) or "", "region_code": h.region.code,
                       "region": h.region.name, "address": h.address, "monthly_income_fen": h.monthly_income_fen,
                       "financial_assets_fen": h.financial_assets_fen, "housing_area_m2": h.housing_area_m2,
                       "vehicles": h.vehicles, "declared_on": h.declared_on, "bank_name": h.bank_name,
                       "bank_account": account, "bank_account_holder": h.bank_account_holder,
                       "created_at": h.created_at}

    return exports.export_list(actor=user, spec=HOUSEHOLD_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


def membership_export_file(*, user: Any, program: str, status: str, region: str, options: exports.ExportOptions,
                           filters: Mapping[str, str]) -> exports.ExportFile:
    """Program memberships hold no protected values: always "masked" (nothing to unmask)."""
    masked = exports.export_masked(options=options, may_unmask=False)
    memberships = selectors.membership_list_for_user(user=user, program=program, status=status, region=region)
    count = memberships.count()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(memberships):
            for m in batch:
                yield {"id": m.pk, "program": m.program.label, "person_id": m.person_id,
                       "person_name": m.person.name if m.person is not None else "", "household_id": m.household_id,
                       "region_code": m.region.code, "region": m.region.name, "status": m.get_status_display(),
                       "start_date": m.start_date, "end_date": m.end_date,
                       "reporting_department": m.reporting_department.name if m.reporting_department else "",
                       "reference": m.reference, "note": m.note}

    return exports.export_list(actor=user, spec=MEMBERSHIP_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


@refusals_recorded
@requires(PERSON_EXPORT)
@require_http_methods(["GET", "POST"])
def person_export(request: HttpRequest) -> HttpResponseBase:
    params = _search_params(request)
    form = forms.SearchForm(params)
    bind_region_pickers(form, request.user, action=PERSON_EXPORT)
    if not form.is_valid():
        return exports.export_page(request, reverse("registry:persons"), exports.refuse_invalid(form))
    d = form.cleaned_data
    search = selectors.PersonSearch(q=d["q"], region=d["region"], program=d["program"], flag=d["flag"])
    return exports.export_page(request, reverse("registry:persons"), lambda options: person_export_file(
        user=request.user, search=search, options=options,
        filters=_shown_filters(params, PERSON_FILTERS)))


@refusals_recorded
@requires(HOUSEHOLD_EXPORT)
@require_http_methods(["GET", "POST"])
def household_export(request: HttpRequest) -> HttpResponseBase:
    params = _search_params(request)
    form = forms.SearchForm(params)
    bind_region_pickers(form, request.user, action=HOUSEHOLD_EXPORT)
    if not form.is_valid():
        return exports.export_page(request, reverse("registry:households"), exports.refuse_invalid(form))
    d = form.cleaned_data
    search = selectors.HouseholdSearch(q=d["q"], region=d["region"], program=d["program"])
    return exports.export_page(request, reverse("registry:households"), lambda options: household_export_file(
        user=request.user, search=search, options=options,
        filters=_shown_filters(params, HOUSEHOLD_FILTERS)))

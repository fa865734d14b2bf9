"""Pages of accounts: sign-in, my account and tokens, organisations, staff and their grants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts import selectors, services
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.context import acting_user
from jijinan.accounts.errors import AccountErrorCode as E
from jijinan.accounts.models import User
from jijinan.accounts.pickers import StaffChoiceField, staff_choosable
from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.errors import DomainError
from jijinan.core.middleware import client_ip
from jijinan.core.permissions import PUBLIC, Role, Target, can, requires
from jijinan.regions.pickers import ALL_LEVELS, AREA_LEVELS, RegionPickerField, bind_region_pickers

PAGE_SIZE = 50


def _apply_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form, field by field where it names one; a refusal of
    the user's rights (403) is not a form error and goes on to the error page."""
    if exc.status == 403:
        raise exc
    if not exc.field_errors:
        form.add_error(None, str(exc.message))
    for field, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


# --- sign-in ----------------------------------------------------------------------------------
class LockoutAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing while the account or the address is locked out."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        minutes = settings.JIJINAN_LOGIN_LOCK_SECONDS // 60
        if username and selectors.login_locked(username=username, ip=ip):
            raise ValidationError(_("登录失败次数过多，请 %(m)s 分钟后再试") % {"m": minutes},
                                  code=E.LOCKED)
        try:
            cleaned = super().clean()
        except ValidationError:
            services.login_failure_record(username=username, ip=ip)
            raise
        services.login_failures_clear(username=username)
        return cleaned


class LoginView(auth_views.LoginView):
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"


login_view = requires(PUBLIC)(LoginView.as_view())
logout_view = requires(PUBLIC)(auth_views.LogoutView.as_view())


# --- my account -------------------------------------------------------------------------------
class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=gettext_lazy("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=gettext_lazy("新密码"), widget=forms.PasswordInput,
                                   help_text=gettext_lazy("至少 10 位，须同时包含字母和数字"))
    new_password_again = forms.CharField(label=gettext_lazy("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致"))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=100)
    days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1,
                              max_value=services.MAX_TOKEN_DAYS, initial=90)


@requires("accounts.self")
@require_GET
def my_account(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return render(request, "accounts/me.html", {
        "grants": selectors.grants_of(user=user),
        "tokens": selectors.tokens_of(user=user),
        "token_form": TokenForm(),
        "new_token": request.session.pop("new_token", None),
    })


@requires("accounts.self")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password"])
        except DomainError as exc:
            exc.field_errors = {("new_password" if k == "password" else k): v
                                for k, v in exc.field_errors.items()}
            _apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改"))
            return redirect("accounts:me")
    return render(request, "accounts/password_change.html", {"form": form},
                  status=400 if form.errors else 200)


@requires("accounts.self")
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, plain = services.token_create(user=acting_user(request), name=form.cleaned_data["name"],
                                                  days=form.cleaned_data["days"])
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            # Shown once on the next page, then gone from the session.
            request.session["new_token"] = plain
    else:
        messages.error(request, _("请填写令牌用途和有效天数（1–365）"))
    return redirect("accounts:me")


@requires("accounts.self")
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = acting_user(request)
    token = selectors.tokens_of(user=user).filter(pk=token_id).first()
    if token is None:
        raise DomainError(_("未找到该记录"), status=404, code=E.NOT_FOUND)
    try:
        services.token_revoke(user=user, token=token)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("令牌已撤销"))
    return redirect("accounts:me")


# --- organisations ----------------------------------------------------------------------------
class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("机构类别"), choices=OrganisationKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    region_code = RegionPickerField(label=gettext_lazy("所在区划"), levels=ALL_LEVELS,
                                    action="accounts.organisation.manage")
    department_type = forms.ChoiceField(label=gettext_lazy("部门类型"), required=False)
    uscc = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18, required=False)
    phone = forms.CharField(label=gettext_lazy("办公电话"), max_length=30, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department_type"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (t.code, t.label) for t in selectors.department_types()]
        bind_region_pickers(self, user)

    def to_input(self) -> services.OrganisationInput:
        d = self.cleaned_data
        return services.OrganisationInput(kind=d["kind"], name=d["name"], region_code=d["region_code"],
                                          department_type=d["department_type"] or None,
                                          uscc=d["uscc"], phone=d["phone"], address=d["address"])


class OrganisationFilterForm(forms.Form):
    region = RegionPickerField(label=gettext_lazy("所在区划"), levels=AREA_LEVELS,
                               action="accounts.organisation.view", prefill=False, required=False)


@requires("accounts.organisation.view")
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations, q, kind = _organisations_of_page(request)
    filter_form = OrganisationFilterForm(request.GET or None)
    bind_region_pickers(filter_form, request.user)
    return render(request, "accounts/organisation_list.html", {
        "filter_form": filter_form,
        "page": Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q, "kind": kind, "kinds": OrganisationKind.choices,
        "may_add": can(request.user, "accounts.organisation.manage"),
        **exports.export_link_context(request, url=reverse("accounts:organisation_export"),
                                      may_export=can(request.user, "accounts.organisation.export")),
    })


def _organisations_of_page(request: HttpRequest) -> tuple[QuerySet[Any], str, str | None]:
    """The organisations the list page shows for its query (the export reads the same)."""
    q = request.GET.get("q", "")[:50]
    kind = request.GET.get("kind") or None
    organisations = selectors.organisation_list_for_user(
        user=request.user, q=q, kind=kind if kind in OrganisationKind.values else None,
        region_code=request.GET.get("region") or None)
    return organisations, q, kind


@requires("accounts.organisation.manage")
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=acting_user(request), data=form.to_input())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("机构已创建"))
            return redirect("accounts:organisation", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form},
                  status=400 if form.errors else 200)


@requires("accounts.organisation.view")
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(user=request.user, pk=pk)
    target = Target(region_prefix=organisation.region.prefix)
    may_see_staff = can(request.user, "accounts.staff.view", target)
    return render(request, "accounts/organisation_detail.html", {
        "organisation": organisation,
        "staff": selectors.staff_list_for_user(user=request.user, organisation_id=pk, active=None)
        if may_see_staff else None,
        "may_edit": can(request.user, "accounts.organisation.manage", target),
        "may_add_staff": can(request.user, "accounts.staff.manage", target),
    })


@requires("accounts.organisation.manage")
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(user=request.user, pk=pk,
                                                       action="accounts.organisation.manage")
    initial = {"kind": organisation.kind, "name": organisation.name,
               "region_code": organisation.region.code,
               "department_type": organisation.department_type.code if organisation.department_type else "",
               "uscc": organisation.uscc, "phone": organisation.phone, "address": organisation.address,
               "version": organisation.version}
    form = OrganisationForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=acting_user(request), organisation=organisation,
                                         version=form.cleaned_data["version"] or 0,
                                         data=form.to_input())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("机构已保存"))
            return redirect("accounts:organisation", pk=pk)
    return render(request, "accounts/organisation_form.html",
                  {"form": form, "organisation": organisation}, status=400 if form.errors else 200)


# --- staff ------------------------------------------------------------------------------------
class StaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    title = forms.CharField(label=gettext_lazy("职务"), max_length=50, required=False)
    organisation = forms.TypedChoiceField(label=gettext_lazy("所属机构"), coerce=int)
    mobile = forms.CharField(label=gettext_lazy("手机号"), max_length=30, required=False,
                             help_text=gettext_lazy("加密保存，列表和页面上只显示部分号码"))
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput,
                               help_text=gettext_lazy("至少 10 位，须同时包含字母和数字；首次登录须修改"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = selectors.organisation_list_for_user(user=user, action="accounts.staff.manage")
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            (o.pk, f"{o.name}（{o.region.name}）") for o in organisations]
        if editing:
            del self.fields["username"]
            del self.fields["password"]


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Role.choices)
    region_code = RegionPickerField(label=gettext_lazy("区划范围"), levels=ALL_LEVELS, action="accounts.grant.manage",
                                    prefill=False)
    department_type = forms.ChoiceField(label=gettext_lazy("部门类型（部门经办必填）"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department_type"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (t.code, t.label) for t in selectors.department_types()]
        bind_region_pickers(self, user)


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("停用原因"), max_length=200)
    handover_to = StaffChoiceField(label=gettext_lazy("交接人"), required=False, queryset=User.objects.none(),
                                   empty_label=gettext_lazy("— 不交接 —"),
                                   error_messages={"invalid_choice": gettext_lazy("请从列表中选择交接人")})
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handover_to"]
        assert isinstance(field, StaffChoiceField)
        field.queryset = staff_choosable(user=user, action="accounts.staff.view").exclude(pk=member.pk)


@requires("accounts.staff.view")
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    staff, q, show = _staff_of_page(request)
    return render(request, "accounts/staff_list.html", {
        "page": Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q, "show": show, "may_add": can(request.user, "accounts.staff.manage"),
        **exports.export_link_context(request, url=reverse("accounts:staff_export"),
                                      may_export=can(request.user, "accounts.staff.export"),
                                      may_unmask=can(request.user, "accounts.staff.unmask")),
    })


def _staff_of_page(request: HttpRequest) -> tuple[QuerySet[User], str, str]:
    """The staff the list page shows for its query (the export reads the same)."""
    q = request.GET.get("q", "")[:50]
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    digits = q.replace(" ", "").replace("-", "").lstrip("+")
    if len(digits) >= 7 and digits.isdigit():
        try:  # a phone number: exact search through the blind index
            return selectors.staff_find_by_mobile(user=request.user, number=q), q, show
        except DomainError:
            pass
    return selectors.staff_list_for_user(user=request.user, q=q, active=active), q, show


@requires("accounts.staff.manage")
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    initial = {"organisation": request.GET.get("organisation")}
    form = StaffForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            organisation = selectors.organisation_get_for_user(user=request.user, pk=d["organisation"])
            member = services.staff_create(actor=acting_user(request), username=d["username"],
                                           full_name=d["full_name"], title=d["title"],
                                           organisation=organisation, password=d["password"],
                                           mobile=d["mobile"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("账户已创建，请为其授权"))
            return redirect("accounts:staff", pk=member.pk)
    return render(request, "accounts/staff_form.html", {"form": form},
                  status=400 if form.errors else 200)


@requires("accounts.staff.view")
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get_for_user(user=request.user, pk=pk)
    assert member.organisation is not None or member.is_superuser
    target = Target(region_prefix=member.organisation.region.prefix) if member.organisation else None
    return render(request, "accounts/staff_detail.html", {
        "member": member,
        "grants": selectors.grants_of(user=member, include_revoked=True),
        "open_work": services.open_work_of(member),
        "may_edit": can(request.user, "accounts.staff.manage", target),
        "may_grant": can(request.user, "accounts.grant.manage", target),
        "may_unmask": can(request.user, "accounts.staff.unmask", target),
        "grant_form": GrantForm(user=request.user),
        "deactivate_form": DeactivateForm(initial={"version": member.version}, user=request.user, member=member),
    })


@requires("accounts.staff.manage")
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get_for_user(user=request.user, pk=pk, action="accounts.staff.manage")
    initial = {"full_name": member.full_name, "title": member.title,
               "organisation": member.organisation_id, "version": member.version}
    # The number is never put back into the form: an empty field keeps it, a new one replaces it.
    form = StaffForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            organisation = selectors.organisation_get_for_user(user=request.user, pk=d["organisation"])
            services.staff_update(actor=acting_user(request), user=member, version=d["version"] or 0,
                                  full_name=d["full_name"], title=d["title"], organisation=organisation,
                                  mobile=d["mobile"] or None)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:staff", pk=pk)
    return render(request, "accounts/staff_form.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


@refusals_recorded
@requires("accounts.staff.unmask")
@require_POST
def staff_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one member's full mobile number (an htmx fragment); the unmasking is logged, and so
    is a refusal."""
    member = selectors.staff_get_for_user(user=request.user, pk=pk, action="accounts.staff.unmask")
    number = services.staff_mobile_reveal(actor=acting_user(request), user=member,
                                          purpose=request.POST.get("purpose", ""))
    return render(request, "accounts/_mobile.html", {"member": member, "number": number})


@requires("accounts.staff.manage")
@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get_for_user(user=request.user, pk=pk, action="accounts.staff.manage")
    form = DeactivateForm(request.POST, user=request.user, member=member)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:staff", pk=pk)
    try:
        handover_to = form.cleaned_data["handover_to"]
        services.staff_deactivate(actor=acting_user(request), user=member, version=form.cleaned_data["version"],
                                  reason=form.cleaned_data["reason"], handover_to=handover_to)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("账户已停用"))
    return redirect("accounts:staff", pk=pk)


@requires("accounts.staff.manage")
@require_POST
def staff_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get_for_user(user=request.user, pk=pk, action="accounts.staff.manage")
    try:
        services.staff_reactivate(actor=acting_user(request), user=member,
                                  version=int(request.POST.get("version") or 0))
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("账户已恢复"))
    return redirect("accounts:staff", pk=pk)


@requires("accounts.grant.manage")
@require_POST
def grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get_for_user(user=request.user, pk=pk, action="accounts.grant.manage")
    form = GrantForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:staff", pk=pk)
    try:
        services.grant_add(actor=acting_user(request), user=member, role=form.cleaned_data["role"],
                           region_code=form.cleaned_data["region_code"],
                           department_type=form.cleaned_data["department_type"] or None)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message) if not exc.field_errors else
                       "；".join(e for errors in exc.field_errors.values() for e in errors))
    else:
        messages.success(request, _("已授权"))
    return redirect("accounts:staff", pk=pk)


@requires("accounts.grant.manage")
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_get_for_user(user=request.user, pk=pk)
    try:
        services.grant_revoke(actor=acting_user(request), grant=grant)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message) if not exc.field_errors else
                       "；".join(e for errors in exc.field_errors.values() for e in errors))
    else:
        messages.success(request, _("授权已撤销"))
    return redirect("accounts:staff", pk=grant.user_id)


# --- exports to Excel --------------------------------------------------------------------------
C, K = exports.Column, exports.ColumnKind
ORGANISATION_FILTERS = ("q", "kind", "region", "department_type")
STAFF_FILTERS = ("q", "show", "organisation", "active")

ORGANISATION_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("机构"), subject_type="accounts.organisation", fields=["organisations"],
    columns=[
        C("id", gettext_lazy("机构编号"), K.NUMBER), C("name", gettext_lazy("名称"), width=24),
        C("kind", gettext_lazy("机构类别")),
        C("region_code", gettext_lazy("所在区划代码"), width=14), C("region", gettext_lazy("所在区划")),
        C("department_type", gettext_lazy("部门类型")), C("uscc", gettext_lazy("统一社会信用代码"), width=22),
        C("phone", gettext_lazy("办公电话"), K.PHONE), C("address", gettext_lazy("地址"), width=30),
        C("active", gettext_lazy("在用"), K.BOOL), C("staff_count", gettext_lazy("人员数"), K.NUMBER),
    ])

STAFF_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("工作人员"), subject_type="accounts.user", fields=["mobile"],
    columns=[
        C("id", gettext_lazy("用户编号"), K.NUMBER), C("username", gettext_lazy("用户名")),
        C("full_name", gettext_lazy("姓名")),
        C("title", gettext_lazy("职务")), C("organisation", gettext_lazy("所属机构"), width=24),
        C("region_code", gettext_lazy("机构区划代码"), width=14), C("mobile", gettext_lazy("手机号"), K.PHONE),
        C("grants", gettext_lazy("授权"), width=40), C("is_active", gettext_lazy("在用"), K.BOOL),
        C("last_login", gettext_lazy("最近登录"), K.DATETIME), C("date_joined", gettext_lazy("创建时间"), K.DATETIME),
    ])


def organisation_export_file(*, user: Any, organisations: QuerySet[Any], options: exports.ExportOptions,
                             filters: dict[str, str]) -> exports.ExportFile:
    """Organisations hold no protected values (office phones are public): nothing to unmask."""
    masked = exports.export_masked(options=options, may_unmask=False)
    count = organisations.count()
    kinds = dict(OrganisationKind.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(organisations):
            for o in batch:
                yield {"id": o.pk, "name": o.name, "kind": str(kinds.get(o.kind, o.kind)),
                       "region_code": o.region.code, "region": o.region.name,
                       "department_type": o.department_type.label if o.department_type else "",
                       "uscc": o.uscc, "phone": o.phone, "address": o.address, "active": o.active,
                       "staff_count": getattr(o, "staff_count", None)}

    return exports.export_list(actor=user, spec=ORGANISATION_EXPORT_SPEC, rows=rows(), count=count,
                               filters=filters, masked=masked, reason=options.reason)


def staff_export_file(*, user: Any, staff: QuerySet[User], options: exports.ExportOptions,
                      filters: dict[str, str]) -> exports.ExportFile:
    """Mobile numbers masked unless the user may unmask staff in that office and asked to."""
    masked = exports.export_masked(options=options, may_unmask=can(user, "accounts.staff.unmask"))
    count = staff.count()
    roles = dict(Role.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(staff):
            for member in batch:
                organisation = member.organisation
                region = organisation.region if organisation is not None else None
                clear = not masked and region is not None and can(
                    user, "accounts.staff.unmask", Target(region_prefix=region.prefix))
                mobile: Any = member.mobile
                grants = getattr(member, "active_grants", [])
                yield {"id": member.pk, "username": member.get_username(), "full_name": member.full_name,
                       "title": member.title, "organisation": organisation.name if organisation else "",
                       "region_code": region.code if region else "",
                       "mobile": None if mobile is None else (mobile.reveal() if clear else str(mobile)),
                       "grants": "；".join(f"{roles.get(g.role, g.role)}@{g.region.name}"
                                          + (f"（{g.department_type.label}）" if g.department_type else "")
                                          for g in grants),
                       "is_active": member.is_active, "last_login": member.last_login,
                       "date_joined": member.date_joined}

    return exports.export_list(actor=user, spec=STAFF_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


@refusals_recorded
@requires("accounts.organisation.export")
@require_GET
def organisation_export(request: HttpRequest) -> HttpResponseBase:
    organisations, _q, _kind = _organisations_of_page(request)
    return exports.export_page(request, reverse("accounts:organisations"), lambda options: organisation_export_file(
        user=request.user, organisations=organisations, options=options,
        filters=exports.query_filters(request.GET, ORGANISATION_FILTERS)))


@refusals_recorded
@requires("accounts.staff.export")
@require_GET
def staff_export(request: HttpRequest) -> HttpResponseBase:
    staff, _q, _show = _staff_of_page(request)
    return exports.export_page(request, reverse("accounts:staff_list"), lambda options: staff_export_file(
        user=request.user, staff=staff, options=options, filters=exports.query_filters(request.GET, STAFF_FILTERS)))

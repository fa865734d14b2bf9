"""Writes on accounts: organisations, staff, grants, passwords, API tokens, sign-in failures.

Every change runs in one transaction with its audit event; an actor may change only what lies in
the region subtree of one of their administrator grants.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as uscc_check
from stdnum.exceptions import ValidationError as StdnumError

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.errors import AccountErrorCode as E
from jijinan.accounts.models import ApiToken, DepartmentType, Grant, LoginFailure, Organisation, User
from jijinan.accounts.scopes import forget_grant_scopes
from jijinan.audit.services import access_log_record, audit_record, changes_between
from jijinan.core.errors import Conflict, DomainError
from jijinan.core.permissions import Role, Target, require
from jijinan.core.protected.crypto import blind_index
from jijinan.core.protected.ids import normalise_phone
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.selectors import region_get_active

MOBILE_PURPOSE = "accounts.user.mobile"
TOKEN_PREFIX = "jjn_"  # noqa: S105 (a marker, not a secret)
MAX_TOKEN_DAYS = 365
# The levels at which a people's government (and so its office) exists.
GOVERNMENT_OFFICE_LEVELS = frozenset({RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP})


# --- department types ---------------------------------------------------------------------------
def department_type_ensure(*, code: str, name: str, name_en: str = "", sort_order: int = 100
                           ) -> tuple[DepartmentType, bool]:
    """Seed a department type (demo and migrations); never changes an existing one."""
    return DepartmentType.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "sort_order": sort_order})


def department_type_create(*, actor: User, code: str, name: str, name_en: str = "") -> DepartmentType:
    require(actor, "accounts.department_type.manage")
    code, name = code.strip(), name.strip()
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        raise DomainError.for_field("code", _("代码只能包含英文字母、数字和下划线"))
    if not name:
        raise DomainError.for_field("name", _("名称不能为空"))
    with transaction.atomic():
        if DepartmentType.objects.filter(code=code).exists():
            raise DomainError.for_field("code", _("该代码已存在"), code=E.DUPLICATE)
        if DepartmentType.objects.filter(name=name).exists():
            raise DomainError.for_field("name", _("该名称已存在"), code=E.DUPLICATE)
        department_type = DepartmentType.objects.create(code=code, name=name, name_en=name_en)
        audit_record(actor=actor, action="accounts.department_type.create", subject=department_type,
                     changes={"code": (None, code), "name": (None, name)})
    return department_type


def _department_type(code: str | None, *, field: str = "department_type") -> DepartmentType | None:
    if not code:
        return None
    department_type = DepartmentType.objects.filter(code=code).first()
    if department_type is None:
        raise DomainError.for_field(field, _("部门类型 %(code)s 不存在") % {"code": code},
                                    code=E.UNKNOWN_DEPARTMENT_TYPE)
    if not department_type.active:
        raise DomainError.for_field(field, _("部门类型 %(name)s 已停用") % {"name": department_type.label},
                                    code=E.INACTIVE_DEPARTMENT_TYPE)
    return department_type


# --- organisations ------------------------------------------------------------------------------
def _check_uscc(value: str) -> str:
    try:
        return str(uscc_check.validate(value))
    except StdnumError:
        raise DomainError.for_field("uscc", _("统一社会信用代码无效（18 位，末位为校验码）"),
                                    code=E.INVALID_USCC) from None


@dataclass(frozen=True)
class OrganisationInput:
    kind: str
    name: str
    region_code: str
    department_type: str | None = None
    uscc: str = ""
    phone: str = ""
    address: str = ""


def _validate_organisation(data: OrganisationInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if data.kind not in OrganisationKind.values:
        errors["kind"] = [_("机构类别无效")]
    name = data.name.strip()
    if not name:
        errors["name"] = [_("名称不能为空")]
    elif len(name) > 100:
        errors["name"] = [_("名称不能超过 %(n)s 个字符") % {"n": 100}]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    region = region_get_active(code=data.region_code.strip(), field="region_code")
    department_type = _department_type(data.department_type)
    if data.kind == OrganisationKind.DEPARTMENT_OFFICE and department_type is None:
        raise DomainError.for_field("department_type", _("部门机构须选择部门类型"))
    if data.kind != OrganisationKind.DEPARTMENT_OFFICE and department_type is not None:
        raise DomainError.for_field("department_type", _("只有部门机构才有部门类型"))
    if data.kind == OrganisationKind.GOVERNMENT_OFFICE and region.level not in GOVERNMENT_OFFICE_LEVELS:
        raise DomainError.for_field("region_code", _(
            "人民政府（办公室）只能设在乡镇（街道）、县（区）或市，%(region)s 是%(level)s") % {
                "region": region.name, "level": RegionLevel(region.level).label}, code=E.REGION_LEVEL)
    uscc = data.uscc.strip().upper()
    if data.kind == OrganisationKind.PARTNER and not uscc:
        raise DomainError.for_field("uscc", _("合作组织须填写统一社会信用代码"))
    if uscc:
        uscc = _check_uscc(uscc)
    return {"kind": data.kind, "name": name, "region": region, "department_type": department_type,
            "uscc": uscc, "phone": data.phone.strip()[:30], "address": data.address.strip()[:200]}


def _check_one_government_office(values: dict[str, Any], *, active: bool = True,
                                 organisation: Organisation | None = None) -> None:
    """One active government office per region: said by field before the database refuses it."""
    if values["kind"] != OrganisationKind.GOVERNMENT_OFFICE or not active:
        return
    other = Organisation.objects.filter(kind=OrganisationKind.GOVERNMENT_OFFICE, active=True,
                                        region=values["region"])
    if organisation is not None:
        other = other.exclude(pk=organisation.pk)
    found = other.first()
    if found is not None:
        raise DomainError.for_field("region_code", _("%(region)s 已有人民政府（办公室）：%(name)s") % {
            "region": values["region"].name, "name": found.name}, code=E.DUPLICATE)


def _leaders_misplaced(user_ids: list[int], *, kind: str, region: Region) -> list[str]:
    """The names of those among ``user_ids`` whose active government-leader grants would not sit
    in a government office at ``region`` (a government leader answers for the office's area)."""
    grants = Grant.objects.filter(user_id__in=user_ids, role=Role.GOVERNMENT_LEADER,
                                  revoked_at__isnull=True).select_related("user", "region")
    return sorted({g.user.display_name() for g in grants
                   if kind != OrganisationKind.GOVERNMENT_OFFICE or not g.region.prefix.startswith(region.prefix)})


def _check_leaders_stay(current: Organisation, values: dict[str, Any]) -> None:
    """A government office whose leaders' grants would no longer fit it keeps its kind and area."""
    if current.kind != OrganisationKind.GOVERNMENT_OFFICE:
        return
    staff = list(current.staff.filter(is_active=True).values_list("pk", flat=True))
    names = _leaders_misplaced(staff, kind=values["kind"], region=values["region"])
    if names:
        field = "kind" if values["kind"] != current.kind else "region_code"
        raise DomainError.for_field(field, _(
            "%(names)s 在本机构持有地方政府领导授权，授权须在人民政府（办公室）的区划内：请先调整其授权或所属机构") % {
                "names": "、".join(names)}, code=E.OUTSIDE_OFFICE)


def _save_unique(save: Callable[[], Any]) -> Any:
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        raise DomainError.for_field("name", _("同一区划已有同名机构，或该部门机构或人民政府（办公室）已存在"),
                                    code=E.DUPLICATE) from None


def organisation_create(*, actor: User, data: OrganisationInput) -> Organisation:
    values = _validate_organisation(data)
    require(actor, "accounts.organisation.manage", Target(region_prefix=values["region"].prefix))
    _check_one_government_office(values)

    def save() -> Organisation:
        organisation = Organisation.objects.create(**values)
        audit_record(actor=actor, action="accounts.organisation.create", subject=organisation,
                     region_code=organisation.region.code,
                     changes=changes_between({}, _organisation_fields(organisation)))
        return organisation

    return _save_unique(save)


def _organisation_fields(o: Organisation) -> dict[str, Any]:
    return {"kind": o.kind, "name": o.name, "region": o.region.code,
            "department_type": o.department_type.code if o.department_type else None,
            "uscc": o.uscc, "phone": o.phone, "address": o.address, "active": o.active}


def organisation_update(*, actor: User, organisation: Organisation, version: int,
                        data: OrganisationInput, active: bool = True) -> Organisation:
    values = _validate_organisation(data)
    require(actor, "accounts.organisation.manage", Target(region_prefix=organisation.region.prefix))
    require(actor, "accounts.organisation.manage", Target(region_prefix=values["region"].prefix))
    _check_one_government_office(values, active=active, organisation=organisation)

    def save() -> Organisation:
        current = Organisation.objects.select_for_update(of=("self",)).select_related(
            "region", "department_type").get(pk=organisation.pk)
        if current.version != version:
            raise Conflict(_("该机构已被他人修改，请刷新后重试"), code=E.STALE)
        _check_leaders_stay(current, values)
        before = _organisation_fields(current)
        for key, value in values.items():
            setattr(current, key, value)
        current.active = active
        current.version += 1
        current.save()
        audit_record(actor=actor, action="accounts.organisation.update", subject=current,
                     region_code=current.region.code,
                     changes=changes_between(before, _organisation_fields(current)))
        return current

    return _save_unique(save)


# --- staff ---------------------------------------------------------------------------------------
def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(_("密码不符合要求"), field_errors={"password": list(exc.messages)},
                          code=E.WEAK_PASSWORD) from None


def _mobile_values(mobile: str) -> tuple[str | None, str]:
    """(plaintext to encrypt, blind index) for a typed number; an empty one clears it."""
    if not mobile.strip():
        return None, ""
    number = normalise_phone(mobile, field="mobile")
    return number, blind_index(number, purpose=MOBILE_PURPOSE)


def staff_create(*, actor: User | None, username: str, full_name: str, organisation: Organisation,
                 password: str, title: str = "", must_change_password: bool = True,
                 mobile: str = "") -> User:
    """A new staff account in ``organisation`` (actor None: the demo and the setup command)."""
    if actor is not None:
        require(actor, "accounts.staff.manage", Target(region_prefix=organisation.region.prefix))
    username = username.strip()
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 150 or not all(c.isalnum() or c in "._-@" for c in username):
        errors["username"] = [_("用户名只能包含字母、数字和 . _ - @")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该用户名已被使用")]
    if not full_name.strip():
        errors["full_name"] = [_("姓名不能为空")]
    if not organisation.active:
        errors["organisation"] = [_("该机构已停用")]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    _check_password(password, User(username=username, full_name=full_name))
    number, number_index = _mobile_values(mobile)
    with transaction.atomic():
        user = User(username=username, full_name=full_name.strip(), organisation=organisation,
                    title=title.strip()[:50], must_change_password=must_change_password,
                    mobile=number, mobile_index=number_index)
        user.set_password(password)
        user.save()
        audit_record(actor=actor, action="accounts.staff.create", subject=user,
                     region_code=organisation.region.code,
                     changes={"username": (None, username), "organisation": (None, organisation.name),
                              **({"mobile": ("***", "***")} if number else {})})
    return user


def staff_update(*, actor: User | None, user: User, version: int, full_name: str, title: str,
                 organisation: Organisation, mobile: str | None = None) -> User:
    """Change a member of staff; ``mobile`` None leaves the number, "" clears it (actor None: the
    demo moving its accounts)."""
    assert user.organisation is not None
    if actor is not None:
        require(actor, "accounts.staff.manage", Target(region_prefix=user.organisation.region.prefix))
        require(actor, "accounts.staff.manage", Target(region_prefix=organisation.region.prefix))
    if not full_name.strip():
        raise DomainError.for_field("full_name", _("姓名不能为空"))
    if organisation.pk != user.organisation_id and _leaders_misplaced(
            [user.pk], kind=organisation.kind, region=organisation.region):
        raise DomainError.for_field("organisation", _(
            "该人员持有地方政府领导授权，只能属于其授权区划所在的人民政府（办公室）：请先撤销该授权"),
            code=E.NOT_GOVERNMENT_OFFICE)
    new_mobile = _mobile_values(mobile) if mobile is not None else None
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.version != version:
            raise Conflict(_("该账户已被他人修改，请刷新后重试"), code=E.STALE)
        before = {"full_name": current.full_name, "title": current.title,
                  "organisation": current.organisation_id}
        current.full_name, current.title = full_name.strip(), title.strip()[:50]
        current.organisation = organisation
        fields = ["full_name", "title", "organisation", "version"]
        mobile_changed = new_mobile is not None and new_mobile[1] != current.mobile_index
        if mobile_changed and new_mobile is not None:
            current.mobile, current.mobile_index = new_mobile
            fields += ["mobile", "mobile_index"]
        current.version += 1
        current.save(update_fields=fields)
        audit_record(actor=actor, action="accounts.staff.update", subject=current,
                     region_code=organisation.region.code,
                     changes={**changes_between(before, {"full_name": current.full_name,
                                                         "title": current.title,
                                                         "organisation": current.organisation_id}),
                              **({"mobile": ("***", "***")} if mobile_changed else {})})
    return current


def staff_mobile_reveal(*, actor: User, user: User, purpose: str) -> str:
    """The member's mobile number in full, for an actor whose role may see it; logged.

    A refusal raises Forbidden; the caller records it (``refusal_record``) outside this
    transaction so that the refusal itself stays in the audit trail.
    """
    assert user.organisation is not None
    require(actor, "accounts.staff.unmask", Target(region_prefix=user.organisation.region.prefix))
    if user.mobile is None:
        raise DomainError.for_field("mobile", _("未登记手机号"), code=E.NO_VALUE)
    with transaction.atomic():
        access_log_record(actor=actor, kind="unmask", subject=user,
                          region_code=user.organisation.region.code, fields=["mobile"],
                          purpose=purpose.strip()[:200] or _("核实联系方式"))
    mobile: Any = user.mobile  # a Protected value as loaded from the database
    return str(mobile.reveal())


# Later features register the open work a departing member of staff must hand over:
# name → (count(user) -> int, transfer(from_user, to_user) -> int).
HandoverCount = Callable[[User], int]
HandoverTransfer = Callable[[User, User], int]
_handovers: dict[str, tuple[str, HandoverCount, HandoverTransfer]] = {}


def register_handover(name: str, label: str, count: HandoverCount, transfer: HandoverTransfer) -> None:
    _handovers[name] = (label, count, transfer)


def open_work_of(user: User) -> list[tuple[str, int]]:
    return [(label, n) for label, count, _t in _handovers.values() if (n := count(user))]


def staff_deactivate(*, actor: User, user: User, version: int, reason: str,
                     handover_to: User | None = None) -> User:
    """Deactivate an account, keeping its history; open work goes to ``handover_to``."""
    assert user.organisation is not None
    require(actor, "accounts.staff.manage", Target(region_prefix=user.organisation.region.prefix))
    if not reason.strip():
        raise DomainError.for_field("reason", _("请填写停用原因"))
    if user.pk == actor.pk:
        raise DomainError.for_field("user", _("不能停用自己的账户"))
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.version != version:
            raise Conflict(_("该账户已被他人修改，请刷新后重试"), code=E.STALE)
        if not current.is_active:
            raise DomainError.for_field("user", _("该账户已停用"))
        pending = open_work_of(current)
        moved: dict[str, int] = {}
        if pending:
            if handover_to is None or not handover_to.is_active or handover_to.pk == current.pk:
                raise DomainError.for_field("handover_to", _("该人员还有未完成的工作，请指定在岗的交接人"))
            for name, (_label, _count, transfer) in _handovers.items():
                moved[name] = transfer(current, handover_to)
        current.is_active = False
        current.deactivated_at = timezone.now()
        current.version += 1
        current.save(update_fields=["is_active", "deactivated_at", "version"])
        ApiToken.objects.filter(user=current, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="accounts.staff.deactivate", subject=current,
                     region_code=current.organisation.region.code if current.organisation else "",
                     changes={"is_active": (True, False)},
                     note=_("原因：%(reason)s；交接：%(moved)s") % {
                         "reason": reason.strip(), "moved": moved or "-"})
    return current


def staff_reactivate(*, actor: User, user: User, version: int) -> User:
    assert user.organisation is not None
    require(actor, "accounts.staff.manage", Target(region_prefix=user.organisation.region.prefix))
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.version != version:
            raise Conflict(_("该账户已被他人修改，请刷新后重试"), code=E.STALE)
        if current.is_active:
            raise DomainError.for_field("user", _("该账户在用"))
        current.is_active = True
        current.deactivated_at = None
        current.version += 1
        current.save(update_fields=["is_active", "deactivated_at", "version"])
        audit_record(actor=actor, action="accounts.staff.reactivate", subject=current,
                     region_code=user.organisation.region.code, changes={"is_active": (False, True)})
    return current


# --- grants --------------------------------------------------------------------------------------
def grant_add(*, actor: User | None, user: User, role: str, region_code: str,
              department_type: str | None = None) -> Grant:
    """Grant ``role`` inside the subtree of ``region_code`` (actor None: demo and setup)."""
    if role not in Role.values:
        raise DomainError.for_field("role", _("角色无效"), code=E.UNKNOWN_ROLE)
    region: Region = region_get_active(code=region_code.strip(), field="region_code")
    dept = _department_type(department_type)
    if role == Role.DEPARTMENT_HANDLER and dept is None:
        raise DomainError.for_field("department_type", _("部门经办须指定部门类型"))
    if actor is not None:
        require(actor, "accounts.grant.manage", Target(region_prefix=region.prefix))
        if user.organisation is not None:
            require(actor, "accounts.grant.manage", Target(region_prefix=user.organisation.region.prefix))
    if role == Role.GOVERNMENT_LEADER:
        _check_leader_office(user, region)
    if not user.is_active:
        raise DomainError.for_field("user", _("该账户已停用，不能授权"))
    try:
        with transaction.atomic():
            # Lock the holder so two identical grants cannot race in (the unique constraint does
            # not see duplicates whose department type is empty: NULLs are distinct in SQL).
            User.objects.select_for_update().filter(pk=user.pk).first()
            if Grant.objects.filter(user=user, role=role, region=region, department_type=dept,
                                    revoked_at__isnull=True).exists():
                raise IntegrityError("duplicate grant")
            grant = Grant.objects.create(user=user, role=role, region=region, department_type=dept,
                                         granted_by=actor)
            audit_record(actor=actor, action="accounts.grant.add", subject=user,
                         region_code=region.code,
                         changes={"grant": (None, f"{Role(role).label} @ {region.name}"
                                            + (f" / {dept.name}" if dept else ""))})
    except IntegrityError:
        raise DomainError.for_field("role", _("该用户已有相同的授权"), code=E.DUPLICATE) from None
    forget_grant_scopes(user)
    return grant


def _check_leader_office(user: User, region: Region) -> None:
    """A government leader sits in a people's government (office) and leads inside its area."""
    office = user.organisation
    if office is None or office.kind != OrganisationKind.GOVERNMENT_OFFICE:
        raise DomainError.for_field("role", _(
            "地方政府领导只能授予人民政府（办公室）的人员，%(name)s 所属机构是%(office)s") % {
                "name": user.display_name(), "office": office.name if office else _("（无）")},
            code=E.NOT_GOVERNMENT_OFFICE)
    if not region.prefix.startswith(office.region.prefix):
        raise DomainError.for_field("region_code", _(
            "地方政府领导的授权范围须在%(office)s所在的%(office_region)s之内，%(region)s 不在其中") % {
                "office": office.name, "office_region": office.region.name, "region": region.name},
            code=E.OUTSIDE_OFFICE)


def grant_revoke(*, actor: User, grant: Grant) -> Grant:
    require(actor, "accounts.grant.manage", Target(region_prefix=grant.region.prefix))
    with transaction.atomic():
        current = Grant.objects.select_for_update().select_related("region").get(pk=grant.pk)
        if current.revoked_at is not None:
            raise DomainError.for_field("grant", _("该授权已撤销"))
        if current.user_id == actor.pk and current.role == Role.ADMINISTRATOR:
            raise DomainError.for_field("grant", _("不能撤销自己的管理员授权"))
        current.revoked_at = timezone.now()
        current.revoked_by = actor
        current.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action="accounts.grant.revoke", subject=current.user,
                     region_code=current.region.code,
                     changes={"grant": (f"{Role(current.role).label} @ {current.region.name}", None)})
    return current


# --- passwords and sign-in -------------------------------------------------------------------------
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise DomainError.for_field("old_password", _("原密码不正确"), code=E.WRONG_PASSWORD)
    if old_password == new_password:
        raise DomainError.for_field("new_password", _("新密码不能与原密码相同"))
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(actor=user, action="accounts.password.change", subject=user,
                     changes={"password": ("***", "***")})


def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:150], ip=ip)


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()


def login_failures_purge() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.JIJINAN_LOGIN_LOCK_SECONDS * 4)
    deleted, _rows = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- API tokens -----------------------------------------------------------------------------------
def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned once and never stored."""
    if not name.strip():
        raise DomainError.for_field("name", _("请填写令牌用途"))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError.for_field("days", _("有效期应为 1 到 %(n)s 天") % {"n": MAX_TOKEN_DAYS})
    if not user.is_active:
        raise DomainError.for_field("user", _("该账户已停用"))
    prefix = secrets.token_hex(4)
    plain = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=prefix,
                                        digest=token_digest(plain),
                                        expires_at=timezone.now() + timedelta(days=days))
        audit_record(actor=user, action="accounts.token.create", subject=user,
                     changes={"token": (None, f"{token.name} ({prefix}…)")})
    return token, plain


def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
        if current.revoked_at is not None:
            raise DomainError.for_field("token", _("该令牌已撤销"))
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="accounts.token.revoke", subject=user,
                     changes={"token": (f"{current.name} ({current.prefix}…)", None)})
    return current


def token_touch(*, token: ApiToken) -> None:
    """Record use at most once a minute, so busy clients do not write on every call."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


# --- set-up ----------------------------------------------------------------------------------------
def user_ensure_superuser(*, username: str, password: str, full_name: str) -> tuple[User, bool]:
    """Create the break-glass superuser if it does not exist; never resets an existing one."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User.objects.create_superuser(username=username, password=password, email="")
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user, True

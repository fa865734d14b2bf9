"""Reads of accounts, each through the user's scope."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.models import ApiToken, DepartmentType, Grant, LoginFailure, Organisation, User
from jijinan.core.errors import NotFound
from jijinan.core.permissions import ScopePaths, get_for_user, restrict

ORGANISATION_PATHS = ScopePaths(region="region")
STAFF_PATHS = ScopePaths(region="organisation__region")


def grants_covering(*, region: Any, roles: Iterable[str]) -> QuerySet[Grant]:
    """The active grants of ``roles`` whose region is ``region`` itself or one above it (a grant
    covers its whole subtree), held by active accounts."""
    codes = {region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9)} | {region.code}
    return Grant.objects.filter(role__in=list(roles), revoked_at__isnull=True, user__is_active=True,
                                region__code__in=sorted(codes))


def staff_mobiles(*, user_ids: Iterable[int]) -> list[str]:
    """The mobile numbers on file of ``user_ids`` (for the text messages of a notice; never shown)."""
    from jijinan.core.protected.fields import Protected

    numbers = []
    for mobile in User.objects.filter(pk__in=set(user_ids), mobile__isnull=False).order_by("pk").values_list(
            "mobile", flat=True):
        value = mobile.reveal() if isinstance(mobile, Protected) else str(mobile or "")
        if value:
            numbers.append(value)
    return numbers


def department_types(*, active_only: bool = True) -> QuerySet[DepartmentType]:
    types = DepartmentType.objects.all()
    return types.filter(active=True) if active_only else types


def organisation_list_for_user(
    *, user: Any, q: str = "", kind: str | None = None, region_code: str | None = None,
    department_type: str | None = None, action: str = "accounts.organisation.view",
) -> QuerySet[Organisation]:
    organisations = restrict(Organisation.objects.select_related("region", "department_type"),
                             user, action, ORGANISATION_PATHS)
    if q.strip():
        organisations = organisations.filter(name__icontains=q.strip())
    if kind:
        organisations = organisations.filter(kind=kind)
    if region_code:
        organisations = organisations.filter(region__code__startswith=region_code.rstrip("0")[:12])
    if department_type:
        organisations = organisations.filter(department_type__code=department_type)
    return organisations.annotate(staff_count=Count("staff")).order_by("region__code", "kind", "name")


def organisation_get_for_user(*, user: Any, pk: int, action: str = "accounts.organisation.view"
                              ) -> Organisation:
    return get_for_user(Organisation.objects.select_related("region", "department_type"), user,
                        action, ORGANISATION_PATHS, pk=pk)


def staff_list_for_user(*, user: Any, q: str = "", organisation_id: int | None = None,
                        active: bool | None = True) -> QuerySet[User]:
    staff = restrict(User.objects.select_related("organisation__region"), user,
                     "accounts.staff.view", STAFF_PATHS)
    if q.strip():
        staff = staff.filter(Q(full_name__icontains=q.strip()) | Q(username__icontains=q.strip()))
    if organisation_id:
        staff = staff.filter(organisation_id=organisation_id)
    if active is not None:
        staff = staff.filter(is_active=active)
    active_grants = Grant.objects.filter(revoked_at__isnull=True).select_related("region", "department_type")
    return staff.prefetch_related(Prefetch("grants", queryset=active_grants, to_attr="active_grants")) \
        .order_by("organisation__region__code", "username")


def staff_get_for_user(*, user: Any, pk: int, action: str = "accounts.staff.view") -> User:
    return get_for_user(User.objects.select_related("organisation__region"), user, action,
                        STAFF_PATHS, pk=pk)


def grants_of(*, user: User, include_revoked: bool = False) -> QuerySet[Grant]:
    grants = Grant.objects.filter(user=user).select_related("region", "department_type", "granted_by")
    if not include_revoked:
        grants = grants.filter(revoked_at__isnull=True)
    return grants.order_by("revoked_at", "role", "region__code")


def grant_get_for_user(*, user: Any, pk: int) -> Grant:
    grant = Grant.objects.select_related("user__organisation__region", "region").filter(pk=pk).first()
    if grant is not None:
        # The grant is seen through its holder's record.
        staff_get_for_user(user=user, pk=grant.user_id, action="accounts.grant.manage")
        return grant
    raise NotFound(_("未找到该记录"))


def login_locked(*, username: str, ip: str | None) -> bool:
    """Too many recent failures for this account, or from this address."""
    since = timezone.now() - timedelta(seconds=settings.JIJINAN_LOGIN_LOCK_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username=username.strip().lower()).count() >= settings.JIJINAN_LOGIN_MAX_FAILURES:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= settings.JIJINAN_LOGIN_MAX_FAILURES_PER_IP


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_find(*, plain: str) -> ApiToken | None:
    """The live token for this plain text (active user, not expired, not revoked), or None."""
    from jijinan.accounts.services import TOKEN_PREFIX, token_digest

    if not plain.startswith(TOKEN_PREFIX) or plain.count("_") < 2:
        return None
    prefix = plain[len(TOKEN_PREFIX):].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, token_digest(plain)):
        return None
    if token.revoked_at is not None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    return token


def staff_find_by_mobile(*, user: Any, number: str) -> QuerySet[User]:
    """Staff with this mobile number (exact match through the blind index), within scope."""
    from jijinan.accounts.services import MOBILE_PURPOSE
    from jijinan.core.protected.crypto import blind_index
    from jijinan.core.protected.ids import normalise_phone

    index = blind_index(normalise_phone(number, field="mobile"), purpose=MOBILE_PURPOSE)
    return staff_list_for_user(user=user, active=None).filter(mobile_index=index)

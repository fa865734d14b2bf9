"""The scope backend: what a user's grants let them do, as checks and as query filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from jijinan.accounts.models import Grant
from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths, Target
from jijinan.regions.choices import RegionLevel


@dataclass(frozen=True)
class GrantScope:
    role: str
    region_code: str
    region_name: str
    prefix: str
    level: str
    department_type: str | None


def grant_scopes(user: Any) -> tuple[GrantScope, ...]:
    """The user's active grants, read once per request (cached on the user object)."""
    cached = getattr(user, "_jijinan_grant_scopes", None)
    if cached is not None:
        return cached
    scopes: tuple[GrantScope, ...] = ()
    if user.is_authenticated and user.is_active:
        rows = Grant.objects.filter(user_id=user.pk, revoked_at__isnull=True).values_list(
            "role", "region__code", "region__name", "region__prefix", "region__level",
            "department_type__code")
        scopes = tuple(GrantScope(*row) for row in rows)
    user._jijinan_grant_scopes = scopes
    return scopes


def forget_grant_scopes(user: Any) -> None:
    if hasattr(user, "_jijinan_grant_scopes"):
        del user._jijinan_grant_scopes


class GrantScopeBackend:
    """Each grant's role applies only inside that grant's region subtree."""

    def _fitting(self, user: Any, rule: Rule) -> list[GrantScope]:
        return [g for g in grant_scopes(user) if g.role in rule.roles]

    def allows(self, user: Any, rule: Rule, target: Target | None) -> bool:
        if rule.scope == ScopeKind.SIGNED_IN:
            return True
        for g in self._fitting(user, rule):
            if rule.scope == ScopeKind.ANYWHERE:
                return True
            if rule.scope == ScopeKind.PROVINCE:
                if g.level == RegionLevel.PROVINCE:
                    return True
                continue
            if rule.scope == ScopeKind.OWN:
                return target is None or target.owner_id == user.pk
            if rule.scope == ScopeKind.PARTNER:
                return target is None or (target.organisation_id is not None
                                          and target.organisation_id == user.organisation_id)
            if target is None or target.region_prefix is None:
                # No record yet (a list or a form): the role somewhere is enough; the rows
                # shown and the record created are checked against the region separately.
                return True
            if not target.region_prefix.startswith(g.prefix):
                continue
            if rule.scope == ScopeKind.DEPARTMENT and g.department_type and \
                    g.department_type != target.department_type:
                continue
            return True
        return False

    def filter(self, user: Any, rule: Rule, paths: ScopePaths) -> Q | None:
        if rule.scope == ScopeKind.SIGNED_IN:
            if paths.owner:
                return Q(**{paths.owner: user.pk})
            return Q()
        grants = self._fitting(user, rule)
        if not grants:
            return None
        if rule.scope == ScopeKind.ANYWHERE:
            return Q()
        if rule.scope == ScopeKind.PROVINCE:
            return Q() if any(g.level == RegionLevel.PROVINCE for g in grants) else None
        if rule.scope == ScopeKind.OWN:
            if not paths.owner:
                raise ValueError(f"{rule.action}: an own-records action without an owner path")
            return Q(**{paths.owner: user.pk})
        if rule.scope == ScopeKind.PARTNER:
            if not paths.organisation:
                raise ValueError(f"{rule.action}: a partner action without an organisation path")
            if user.organisation_id is None:
                return None
            return Q(**{paths.organisation: user.organisation_id})
        condition = Q(pk__in=[])
        for g in grants:
            if paths.region:
                part = Q(**{f"{paths.region}__prefix__startswith": g.prefix})
            elif paths.region_code:
                part = Q(**{f"{paths.region_code}__startswith": g.prefix})
            else:
                raise ValueError(f"{rule.action}: region-scoped action without a region path")
            if rule.scope == ScopeKind.DEPARTMENT and g.department_type and paths.department_type:
                part &= Q(**{paths.department_type: g.department_type})
            condition |= part
        return condition

    def reason(self, user: Any, rule: Rule) -> str:
        if not getattr(user, "is_authenticated", False):
            return _("请先登录")
        order = [r.value for r in Role]
        roles = "、".join(str(Role(r).label) for r in sorted(rule.roles, key=order.index))
        if self._fitting(user, rule):
            return _("您的授权范围不包括此处，不能%(action)s") % {"action": rule.description}
        return _("您的角色不能%(action)s（需要以下角色之一：%(roles)s）") % {
            "action": rule.description, "roles": roles}

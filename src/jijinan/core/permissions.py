"""The permission matrix (role × action × scope) as data, and the one scope mechanism.

Every app registers its actions (who may do them, and how the target is scoped) with
``register_actions`` and marks every view and API operation with ``@requires(action)``, so the
test suite can enumerate every endpoint and generate its permission tests from this matrix.

The matrix lives in ``core`` so that every layer can use it; which grants a user holds is known
only to ``accounts``, which installs the scope backend at start-up (``set_scope_backend``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.errors import Forbidden, NotFound


class Role(models.TextChoices):
    """The roles of DESIGN.md ("Who uses it")."""

    INFORMANT = "informant", gettext_lazy("社区信息员")
    WINDOW_CLERK = "window_clerk", gettext_lazy("一门受理窗口")
    HOTLINE_OPERATOR = "hotline_operator", gettext_lazy("热线坐席")
    TOWNSHIP_REVIEWER = "township_reviewer", gettext_lazy("乡镇（街道）经办审核")
    TOWNSHIP_LEAD = "township_lead", gettext_lazy("乡镇（街道）分管领导")
    RELIEF_STATION_STAFF = "relief_station_staff", gettext_lazy("救助管理站工作人员")
    COUNTY_APPROVER = "county_approver", gettext_lazy("县级民政审批")
    DEPARTMENT_HANDLER = "department_handler", gettext_lazy("部门经办")
    SOCIAL_WORKER = "social_worker", gettext_lazy("社会工作者")
    PARTNER_STAFF = "partner_staff", gettext_lazy("慈善组织 / 社会组织")
    GOVERNMENT_LEADER = "government_leader", gettext_lazy("地方政府领导")
    SUPERVISOR = "supervisor", gettext_lazy("督查")
    ADMINISTRATOR = "administrator", gettext_lazy("系统管理员")


ALL_ROLES = frozenset(Role)
# Roles that work inside government offices and see the reference data of their area.
STAFF_ROLES = ALL_ROLES - {Role.PARTNER_STAFF}


class ScopeKind(StrEnum):
    PUBLIC = "public"  # no sign-in (health check)
    SIGNED_IN = "signed_in"  # any signed-in account, on its own things
    ANYWHERE = "anywhere"  # a grant of an allowed role anywhere (reference data)
    REGION = "region"  # the target's region lies in the subtree of a grant of an allowed role
    DEPARTMENT = "department"  # as REGION, and the target's department type is the grant's
    PROVINCE = "province"  # a grant of an allowed role rooted at a province (province-wide data)
    OWN = "own"  # records the user owns (an informant's own reports), with an allowed role
    PARTNER = "partner"  # records addressed to the user's own organisation (partner referrals)


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[str]
    scope: ScopeKind
    description: str | Promise
    # For an action on one record: the action that decides whether the record is visible at all
    # (refused and invisible → 404, refused but visible → 403).
    view_action: str | None = None


_matrix: dict[str, Rule] = {}


def register_actions(rules: Iterable[Rule]) -> None:
    for rule in rules:
        if rule.action in _matrix and _matrix[rule.action] != rule:
            raise ValueError(f"action {rule.action!r} is registered twice")
        _matrix[rule.action] = rule


def matrix() -> dict[str, Rule]:
    return dict(_matrix)


def rule_for(action: str) -> Rule:
    try:
        return _matrix[action]
    except KeyError:
        raise KeyError(f"action {action!r} is not in the permission matrix") from None


F = TypeVar("F", bound=Callable[..., Any])


def requires(action: str) -> Callable[[F], F]:
    """Mark a view or API operation with its action, and check the role part of it on entry.

    A signed-out visitor is sent to sign in (pages) or answered 401 (API); a user whose grants
    hold no role for the action anywhere gets 403 with the reason. Whether the *record* lies in
    the user's scope is checked in the view with ``get_for_user`` / ``restrict`` / ``require``,
    because only the view knows the record. The generated permission tests read the mark.
    """
    rule_action = action

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            rule = rule_for(rule_action)
            if rule.scope != ScopeKind.PUBLIC:
                user = request.user
                if not user.is_authenticated:
                    if request.path.startswith("/api/"):
                        from ninja.errors import AuthenticationError

                        raise AuthenticationError()
                    from django.contrib.auth.views import redirect_to_login

                    return redirect_to_login(request.get_full_path())
                require(user, rule_action)
            return view(request, *args, **kwargs)

        checked.jijinan_action = rule_action  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def action_of(view: Callable[..., Any]) -> str | None:
    """The action a view or API operation was marked with (None: unmarked, a defect)."""
    return getattr(view, "jijinan_action", None)


# --- the scope backend ------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where a record lives, for a permission check on it."""

    region_prefix: str | None = None
    department_type: str | None = None
    owner_id: int | None = None
    organisation_id: int | None = None


class ScopeBackend(Protocol):
    def allows(self, user: Any, rule: Rule, target: Target | None) -> bool: ...

    def filter(self, user: Any, rule: Rule, paths: ScopePaths) -> Q | None: ...

    def reason(self, user: Any, rule: Rule) -> str: ...


@dataclass(frozen=True)
class ScopePaths:
    """How a model's rows reach their scope: ORM paths to a Region, department type, owner."""

    region: str | None = None  # path to a Region, e.g. "handling_region"
    region_code: str | None = None  # or: path to a 12-digit region code string
    department_type: str | None = None  # path to a department type code
    owner: str | None = None  # path to the owning user id
    organisation: str | None = None  # path to the organisation id (partners)
    extra: dict[str, str] = field(default_factory=dict)


_backend: ScopeBackend | None = None


def set_scope_backend(backend: ScopeBackend) -> None:
    global _backend
    _backend = backend


def _scope_backend() -> ScopeBackend:
    if _backend is None:
        raise RuntimeError("no scope backend installed (the accounts app installs it)")
    return _backend


def can(user: Any, action: str, target: Target | None = None) -> bool:
    rule = rule_for(action)
    if rule.scope == ScopeKind.PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return _scope_backend().allows(user, rule, target)


def require(user: Any, action: str, target: Target | None = None) -> None:
    """403 with the reason unless ``user`` may perform ``action`` (on ``target``)."""
    if not can(user, action, target):
        raise Forbidden(_scope_backend().reason(user, rule_for(action)), code="forbidden")


def restrict(queryset: QuerySet[Any], user: Any, action: str, paths: ScopePaths) -> QuerySet[Any]:
    """The rows of ``queryset`` on which ``user`` may perform ``action``; none when no grant fits."""
    rule = rule_for(action)
    if rule.scope in {ScopeKind.PUBLIC}:
        return queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = _scope_backend().filter(user, rule, paths)
    return queryset.none() if condition is None else queryset.filter(condition)


def get_for_user(queryset: QuerySet[Any], user: Any, action: str, paths: ScopePaths, **lookup: Any
                 ) -> Any:
    """One record for ``action``: 404 when the user may not even see it, 403 when they see it but
    their role may not perform the action there."""
    rule = rule_for(action)
    view_action = rule.view_action or action
    record = restrict(queryset, user, view_action, paths).filter(**lookup).first()
    if record is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    if view_action != action and not restrict(queryset, user, action, paths).filter(
            pk=record.pk).exists():
        raise Forbidden(_scope_backend().reason(user, rule), code="forbidden")
    return record


def target_of_region(region: Any, department_type: str | None = None) -> Target:
    return Target(region_prefix=region.prefix, department_type=department_type)


# The core's own rows of the matrix.
PUBLIC = "public"
register_actions([
    Rule(PUBLIC, ALL_ROLES, ScopeKind.PUBLIC, gettext_lazy("访问公开页面")),
    Rule("system.jobs.view", frozenset({Role.ADMINISTRATOR}), ScopeKind.PROVINCE,
         gettext_lazy("查看后台任务")),
    Rule("system.outbox.manage", frozenset({Role.ADMINISTRATOR}), ScopeKind.PROVINCE,
         gettext_lazy("重新投递失败的消息和任务")),
    Rule("calendar.view", ALL_ROLES, ScopeKind.SIGNED_IN, gettext_lazy("查看工作日历")),
    Rule("calendar.manage", frozenset({Role.ADMINISTRATOR}), ScopeKind.PROVINCE,
         gettext_lazy("维护工作日历")),
])

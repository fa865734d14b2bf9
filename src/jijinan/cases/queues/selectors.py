"""Reads of the work queues: each user's waiting cases by nearest deadline, an area's list, a
county's overdue list and the case search (keywords, phone), all through the user's scope.

A case's deadlines live in the core engine (subject type ``cases.case``, the case id as text);
each list annotates the nearest deadline still owed (``next_due``) and whether one has run out
(``overdue``) with two correlated subqueries, so a page costs the same few queries whatever its
length. Cases without an owed deadline sort after the rest, oldest first.

A case handed over to another township (转出, waiting for its decision) is listed on the receiving
side too: in the area list of the township it is going to and in the "my queue" of the roles that
accept or refuse it there (``RECEIVING_ROLES``), whoever holds it on the sending side.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import CharField, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, TextField, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.scopes import grant_scopes
from jijinan.cases.choices import OPEN_STAGES, Channel, Stage, Urgency
from jijinan.cases.models import REPORTER_PHONE_PURPOSE, Case, CaseCategory
from jijinan.cases.queues.permissions import CASE_SEARCH, OVERDUE_VIEW, QUEUE_AREA_VIEW, QUEUE_VIEW
from jijinan.cases.search import case_keyword_filter
from jijinan.core.calendar.workdays import local_date
from jijinan.core.deadlines.selectors import overdue_condition
from jijinan.core.errors import DomainError
from jijinan.core.models import Deadline
from jijinan.core.permissions import Role, ScopePaths, require, restrict
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import normalise_phone
from jijinan.regions.models import Region
from jijinan.registry.models import PHONE_PURPOSE, Person

CASE_SUBJECT = "cases.case"
CASE_PATHS = ScopePaths(region="handling_region")
INCOMING_PATHS = ScopePaths(region="transfer_to")
KEYWORDS_MAX_LENGTH = 60

R = Role
# The stages at which each role picks up unassigned work in its area ("my queue").
ROLE_STAGES: dict[str, frozenset[str]] = {
    R.WINDOW_CLERK: frozenset({Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED}),
    R.HOTLINE_OPERATOR: frozenset({Stage.DISCOVERED, Stage.REPORTED}),
    R.RELIEF_STATION_STAFF: frozenset({Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED}),
    R.TOWNSHIP_REVIEWER: frozenset({Stage.ACCEPTED, Stage.ASSISTED, Stage.FOLLOW_UP}),
    R.TOWNSHIP_LEAD: frozenset({Stage.REVIEWED}),
    R.COUNTY_APPROVER: frozenset({Stage.REVIEWED}),
    R.SOCIAL_WORKER: frozenset({Stage.ASSISTED, Stage.FOLLOW_UP}),
}
# The roles that accept or refuse a case handed over, in the township it is going to (the stage
# line's ``transfer_accept``; a test keeps the two equal).
RECEIVING_ROLES: frozenset[str] = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.COUNTY_APPROVER})

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
_REGION_CODE = re.compile(r"^\d{12}$")


class QueueScope(StrEnum):
    MINE = "mine"  # owned by me, or unassigned in my area at a stage my role works
    AREA = "area"  # every open case of my area (leads)


@dataclass(frozen=True)
class QueueFilters:
    """The filters every list offers; empty strings and None mean "any"."""

    stage: str = ""
    region: str = ""  # a 12-digit code: the case's handling region lies in its subtree
    category: str = ""
    urgency: str = ""
    channel: str = ""
    crisis: bool | None = None
    q: str = ""  # keywords over number, names and description (all terms must match)
    phone: str = ""  # the reporter's or the registered subject's phone number


# --- deadline marks ----------------------------------------------------------------------------
def _owed() -> QuerySet[Deadline]:
    """The case's deadlines still owed (neither met nor cancelled), for a correlated subquery."""
    return Deadline.objects.filter(subject_type=CASE_SUBJECT, subject_id=Cast(OuterRef("pk"), CharField()),
                                   met_at__isnull=True, cancelled_at__isnull=True)


def with_deadline_marks(cases: QuerySet[Case], *, now: datetime) -> QuerySet[Case]:
    """``next_due``: the nearest owed deadline that is running (a paused one has no fixed end);
    ``overdue``: one owed deadline has run out (stamped breached, or past due and not swept)."""
    nearest = _owed().filter(paused_at__isnull=True).order_by("due_at").values("due_at")[:1]
    return cases.annotate(next_due=Subquery(nearest), overdue=Exists(_owed().filter(overdue_condition(now))))


def _ordered(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.order_by(F("next_due").asc(nulls_last=True), "created_at", "id")


def due_today(case: Any, *, now: datetime | None = None) -> bool:
    """Due later today (Shanghai's day) and not yet overdue."""
    now = now or timezone.now()
    due = getattr(case, "next_due", None)
    return (not getattr(case, "overdue", False) and due is not None and due >= now
            and local_date(due) == local_date(now))


# --- filters -------------------------------------------------------------------------------------
def _bad(field: str, message: str) -> DomainError:
    return DomainError.for_field(field, message, code="case_queue_bad_filter")


def region_prefix(code: str, *, field: str = "region") -> str:
    if not _REGION_CODE.match(code):
        raise _bad(field, _("区划代码应为 12 位数字"))
    prefix = Region.objects.filter(code=code).values_list("prefix", flat=True).first()
    if prefix is None:
        raise _bad(field, _("未找到该区划"))
    return prefix


def phone_in_url() -> DomainError:
    """The refusal of a phone number sent in a URL (it belongs in a request body)."""
    return _bad("phone", _("电话号码不能放在网址中：请在请求体中提交（POST /api/v1/cases/search）"))


def phone_condition(phone: str) -> Q:
    """Cases whose reporter, or whose registered subject, has this phone number (blind indexes)."""
    number = normalise_phone(phone, field="phone")
    reporter = crypto.blind_index(number, purpose=REPORTER_PHONE_PURPOSE)
    subject = Person.objects.filter(phone_index=crypto.blind_index(number, purpose=PHONE_PURPOSE))
    return Q(reporter_phone_index=reporter) | Q(person_id__in=subject.values("pk"))


def apply_filters(cases: QuerySet[Case], filters: QueueFilters) -> QuerySet[Case]:
    """Narrow ``cases`` by ``filters``; a value outside its vocabulary is refused by field."""
    f = filters
    if f.stage:
        if f.stage not in Stage.values:
            raise _bad("stage", _("没有这个阶段"))
        cases = cases.filter(stage=f.stage)
    if f.region:
        prefix = region_prefix(f.region)
        cases = cases.filter(Q(handling_region__prefix__startswith=prefix)
                             | Q(stage=Stage.TRANSFERRED_OUT, transfer_to__prefix__startswith=prefix))
    if f.category:
        if not _SLUG.match(f.category) or not CaseCategory.objects.filter(code=f.category).exists():
            raise _bad("category", _("没有这个急难类别"))
        # The codes are stored as a JSON list; its text holds each code in quotes on both
        # databases, and a code is a slug, so the quoted code matches that element only.
        cases = cases.annotate(categories_text=Cast("categories", TextField())).filter(
            categories_text__contains=f'"{f.category}"')
    if f.urgency:
        if f.urgency not in Urgency.values:
            raise _bad("urgency", _("没有这个紧急程度"))
        cases = cases.filter(urgency=f.urgency)
    if f.channel:
        if f.channel not in Channel.values:
            raise _bad("channel", _("没有这个来源渠道"))
        cases = cases.filter(channel=f.channel)
    if f.crisis is not None:
        cases = cases.filter(crisis=f.crisis)
    keywords = f.q.strip()
    if len(keywords) > KEYWORDS_MAX_LENGTH:
        raise _bad("q", _("关键词最多 %(n)s 个字符") % {"n": KEYWORDS_MAX_LENGTH})
    if f.phone.strip():
        cases = cases.filter(phone_condition(f.phone))
    if keywords:
        # Last: a number typed in full is looked for whole among the cases the other filters left.
        cases = case_keyword_filter(cases, keywords)
    return cases


def _listed(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("handling_region", "transfer_to", "person", "owner")


def awaiting_transfer_decision(case: Case) -> bool:
    """Handed over and waiting for the receiving township to accept or refuse it."""
    return case.stage == Stage.TRANSFERRED_OUT and case.transfer_to_id is not None


# --- the lists -------------------------------------------------------------------------------------
def my_queue_condition(user: Any) -> Q:
    """Mine: owned by me, unassigned inside a grant's area at a stage that grant's role works, or
    handed over into a grant's area whose role decides on it (whoever holds it on the sending side)."""
    condition = Q(owner_id=user.pk)
    for grant in grant_scopes(user):
        stages = ROLE_STAGES.get(grant.role)
        if stages:
            condition |= Q(owner__isnull=True, stage__in=sorted(stages),
                           handling_region__prefix__startswith=grant.prefix)
        if grant.role in RECEIVING_ROLES:
            condition |= Q(stage=Stage.TRANSFERRED_OUT, transfer_to__prefix__startswith=grant.prefix)
    return condition


def case_queue_for_user(*, user: Any, scope: str = QueueScope.MINE, filters: QueueFilters | None = None,
                        now: datetime | None = None) -> QuerySet[Case]:
    """The open cases waiting for ``user`` (mine) or for their area (area: leads), nearest
    deadline first, then the cases without one by when they came in."""
    try:
        scope = QueueScope(scope)
    except ValueError:
        raise _bad("scope", _("只能是“我的待办”或“辖区待办”")) from None
    action = QUEUE_AREA_VIEW if scope == QueueScope.AREA else QUEUE_VIEW
    require(user, action)
    cases = (restrict(Case.objects.filter(stage__in=sorted(OPEN_STAGES)), user, action, CASE_PATHS)
             | restrict(Case.objects.filter(stage=Stage.TRANSFERRED_OUT), user, action, INCOMING_PATHS))
    if scope == QueueScope.MINE:
        cases = cases.filter(my_queue_condition(user))
    cases = apply_filters(cases, filters or QueueFilters())
    return _ordered(with_deadline_marks(_listed(cases), now=now or timezone.now()))


class OverdueCases:
    """The overdue list as a sequence that counts and slices like a queryset (for the paginators).

    A page is ranked on the deadline side (each case's earliest overdue deadline, longest overdue
    first) and only that page's cases are then read with their marks: sorting a county's whole
    overdue list by a per-case subquery would cost a lookup per overdue case on every page.
    """

    def __init__(self, *, cases: QuerySet[Case], overdue: QuerySet[Deadline], now: datetime) -> None:
        self._cases = cases  # scoped and filtered
        # The database may test conditions in any order, so the cast is guarded by the subject
        # type inside the expression: another type's ids need not be numbers.
        self._overdue = overdue.annotate(case_id=DbCase(When(subject_type=CASE_SUBJECT, then=Cast(
            "subject_id", IntegerField())), default=None, output_field=IntegerField()))
        self._now = now

    def count(self) -> int:
        return self._cases.filter(pk__in=self._overdue.values("case_id")).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Case]:
        if not isinstance(index, slice):
            raise TypeError("the overdue list is read by pages (slices)")
        ranked = (self._overdue.filter(case_id__in=self._cases.values("pk")).values("case_id")
                  .annotate(first_due=Min("due_at")).order_by("first_due", "case_id"))[index]
        ids = [row["case_id"] for row in ranked]
        found = with_deadline_marks(_listed(Case.objects.filter(pk__in=ids)), now=self._now).in_bulk()
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[Case]:
        return iter(self[0:None])


def case_overdue_for_user(*, user: Any, filters: QueueFilters | None = None, now: datetime | None = None
                          ) -> OverdueCases:
    """The open cases of the user's area (narrowed by ``filters.region``, e.g. a county) with a
    deadline that has run out, the longest overdue first."""
    require(user, OVERDUE_VIEW)
    now = now or timezone.now()
    filters = filters or QueueFilters()
    cases = restrict(Case.objects.filter(stage__in=sorted(OPEN_STAGES)), user, OVERDUE_VIEW, CASE_PATHS)
    cases = apply_filters(cases, replace(filters, region=""))
    # The overdue deadlines of the area: their region code is the case's handling region, so the
    # region_code index finds them without probing every open case of a county.
    overdue = Deadline.objects.filter(overdue_condition(now), subject_type=CASE_SUBJECT)
    if filters.region:
        prefix = region_prefix(filters.region)
        cases = cases.filter(handling_region__prefix__startswith=prefix)
        overdue = overdue.filter(region_code__startswith=prefix)
    return OverdueCases(cases=cases, overdue=overdue, now=now)


def case_search_for_user(*, user: Any, q: str = "", phone: str = "", now: datetime | None = None
                         ) -> QuerySet[Case]:
    """Cases of every stage in the user's scope matching the keywords and/or the phone number,
    newest first (a caller asking about a case already closed is found too)."""
    require(user, CASE_SEARCH)
    if not q.strip() and not phone.strip():
        raise _bad("q", _("请输入关键词或电话号码"))
    cases = restrict(Case.objects.all(), user, CASE_SEARCH, CASE_PATHS)
    cases = apply_filters(cases, QueueFilters(q=q, phone=phone))
    return with_deadline_marks(_listed(cases), now=now or timezone.now()).order_by("-created_at", "-id")

"""Reads of the registry, each through the user's scope.

Civil-affairs staff see the persons and households living in their grants' subtrees. Partner
staff and department handlers see a person only through a consent in force for their
organisation or department type (inside their grant's subtree), and only its categories.
Search parses one box: an ID number (exact, through the blind index) or its last 6 characters,
a temporary number, a phone number or its last 4 digits (the ends through the partial indexes:
limited to what the user may see the number of, and every person shown written to the access
log), a Chinese name (prefix, or the given name alone), pinyin of the name or of the given name
(prefix), initials (prefix), and — when no name matches — an address fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.services import access_log_record
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import ScopePaths, Target, can, get_for_user, require, restrict
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import InvalidIdNumber, normalise_phone, validate_id_number
from jijinan.core.search.textsearch import textsearch_filter
from jijinan.regions.choices import PREFIX_LENGTH, level_of_code
from jijinan.registry.choices import ALL_CATEGORIES, ConsentCategory, MembershipStatus, PersonFlag, Relation
from jijinan.registry.errors import RegistryErrorCode as E
from jijinan.registry.models import (
    ELDERLY_AGE,
    ID_NUMBER_PURPOSE,
    MINOR_AGE,
    PHONE_PURPOSE,
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    ProgramType,
    live_consents,
)
from jijinan.registry.names import (
    is_chinese,
    name_code,
    name_code_upper_bound,
    pinyin_query,
    prefix_upper_bound,
    reads_as_pinyin,
)
from jijinan.registry.permissions import (
    CONSENT_VIEW,
    HOUSEHOLD_VIEW,
    MEMBERSHIP_VIEW,
    PERSON_VIEW,
    PERSON_VIEW_CONSENTED,
    PERSON_VIEW_CONSENTED_DEPARTMENT,
    PERSON_VIEW_FULL,
)
from jijinan.registry.search import (
    HOUSEHOLD_ADDRESS_SUBJECT,
    PERSON_ADDRESS_SUBJECT,
    id_number_tail_index,
    phone_tail_index,
)

PERSON_PATHS = ScopePaths(region="residence_region")
HOUSEHOLD_PATHS = ScopePaths(region="region")
MEMBERSHIP_PATHS = ScopePaths(region="region")
CONSENT_PATHS = ScopePaths(region="person__residence_region")
CONSENT_DEPARTMENT_PATHS = ScopePaths(region="person__residence_region", department_type="department_type__code")

_ID_LIKE = re.compile(r"[0-9]{15}|[0-9]{17}[0-9X]")
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9()\-\s]{6,18}")
_TEMPORARY = re.compile(r"TMP-[0-9]{12}-[0-9]+")
_ID_TAIL = re.compile(r"[0-9]{5}[0-9X]")
_PHONE_TAIL = re.compile(r"[0-9]{4}")
_NUMBER_LIKE = re.compile(r"[0-9X()+\-]+")
# Given names and pinyin of given names are searched from this many characters / letters on:
# a shorter key (王, li) is a surname, and as a given name too it would match a large share of
# everyone, which no single index could then order.
GIVEN_NAME_MIN_CHARS, GIVEN_PINYIN_MIN_LETTERS = 2, 4

# What a viewer sees in each consent category, for the access log.
CATEGORY_FIELDS: dict[str, list[str]] = {
    ConsentCategory.ID_NUMBER: ["id_number"],
    ConsentCategory.CONTACT: ["phone", "residence_address"],
    ConsentCategory.HEALTH: ["disability", "health_conditions"],
    ConsentCategory.ECONOMIC: ["household_income", "household_property"],
    ConsentCategory.HOUSEHOLD: ["household_members"],
    ConsentCategory.PROGRAMS: ["memberships"],
    ConsentCategory.SITUATION: ["situation"],
}


# --- who sees which persons ----------------------------------------------------------------------
def consents_visible_to(user: Any, *, on: date | None = None) -> QuerySet[Consent] | None:
    """The consents in force through which ``user`` sees persons; None when they have none."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    live = Consent.objects.filter(live_consents(on))
    parts: list[QuerySet[Consent]] = []
    if can(user, PERSON_VIEW_CONSENTED) and getattr(user, "organisation_id", None):
        parts.append(restrict(live.filter(organisation_id=user.organisation_id), user,
                              PERSON_VIEW_CONSENTED, CONSENT_PATHS))
    if can(user, PERSON_VIEW_CONSENTED_DEPARTMENT):
        parts.append(restrict(live.filter(department_type__isnull=False), user,
                              PERSON_VIEW_CONSENTED_DEPARTMENT, CONSENT_DEPARTMENT_PATHS))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part
    return combined


def persons_visible_to(user: Any, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The persons ``user`` may see at all: in full in their area, or through a consent."""
    persons = queryset if queryset is not None else Person.objects.all()
    full = restrict(persons, user, PERSON_VIEW_FULL, PERSON_PATHS)
    consents = consents_visible_to(user)
    if consents is None:
        return full
    return full | persons.filter(pk__in=consents.values("person_id"))


def sees_in_full(user: Any, person: Person) -> bool:
    return can(user, PERSON_VIEW_FULL, Target(region_prefix=person.residence_region.prefix))


@dataclass
class PersonView:
    """A person as one viewer may see them: ``shown`` maps each consent category to whether it
    is visible (all of them for staff who see the person in full)."""

    person: Person
    full: bool
    categories: frozenset[str]
    shown: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.shown = {c: c in self.categories for c in ALL_CATEGORIES}

    def shows(self, category: str) -> bool:
        return category in self.categories

    @property
    def sensitive_fields(self) -> list[str]:
        return sorted({f for c in self.categories for f in CATEGORY_FIELDS.get(c, [])})


def person_views(*, user: Any, persons: Iterable[Person]) -> list[PersonView]:
    """Views of a page of persons: one query for the consents of those seen only through one."""
    persons = list(persons)
    full = {p.pk for p in persons if user.is_superuser or sees_in_full(user, p)}
    partial = [p.pk for p in persons if p.pk not in full]
    granted: dict[int, set[str]] = {}
    consents = consents_visible_to(user) if partial else None
    if consents is not None:
        for person_id, categories in consents.filter(person_id__in=partial).values_list(
                "person_id", "categories"):
            granted.setdefault(person_id, set()).update(categories or [])
    return [PersonView(p, p.pk in full, ALL_CATEGORIES if p.pk in full
                       else frozenset(granted.get(p.pk, set()) & ALL_CATEGORIES)) for p in persons]


def _persons() -> QuerySet[Person]:
    return Person.objects.select_related("residence_region", "registered_region")


def person_get_for_user(*, user: Any, pk: int, action: str = PERSON_VIEW) -> Person:
    """One person: 404 if the user cannot see them, 403 if they can but may not do ``action``."""
    return get_for_user(persons_visible_to(user, _persons()), user, action, PERSON_PATHS, pk=pk)


def person_detail_for_user(*, user: Any, pk: int, log: bool = True, purpose: str = "") -> PersonView:
    """The person's page: the view, with one access-log row for the sensitive fields shown."""
    person = person_get_for_user(user=user, pk=pk)
    view = person_views(user=user, persons=[person])[0]
    if log and view.sensitive_fields:
        access_log_record(actor=user, kind="view", subject=person, subject_label=person.name,
                          region_code=person.residence_region.code, fields=view.sensitive_fields,
                          purpose=purpose)
    return view


# --- search ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonSearch:
    q: str = ""
    region: str = ""  # a region code (or its significant prefix): residence in that subtree
    program: str = ""  # a program type code: an active membership (own or household's)
    flag: str = ""


def region_prefix(code: str) -> str:
    """The significant digits of a region code: 320102000000 → 320102."""
    code = code.strip()
    if not re.fullmatch(r"[0-9]{2,12}", code):
        raise DomainError.for_field("region", _("区划代码应为 2 到 12 位数字"), code=E.INVALID_SEARCH)
    full = code.ljust(12, "0")
    return full[:PREFIX_LENGTH[level_of_code(full)]]


def _letters_prefix(column: str, key: str) -> Q:
    """A prefix on a lower-case letters-only key: a range, exact under every collation."""
    upper = prefix_upper_bound(key)
    return Q(**{f"{column}__gte": key}) & (Q(**{f"{column}__lt": upper}) if upper else Q())


PARTIAL_KINDS = {"id_number_partial": ConsentCategory.ID_NUMBER, "phone_partial": ConsentCategory.CONTACT}
# What the access log says of a partial search (the row's purpose) and which field it touched.
PARTIAL_LOG = {"id_number_partial": ("按身份证号后6位查找 / search by the last 6 characters of the ID number",
                                     ["id_number"]),
               "phone_partial": ("按电话后4位查找 / search by the last 4 digits of the phone", ["phone"])}


@dataclass(frozen=True)
class ParsedQuery:
    # "all", "id_number", "id_number_partial", "temporary", "phone", "phone_partial", "name",
    # "pinyin", "initials"
    kind: str
    condition: Q
    ordering: tuple[str, ...]
    # Rows matching ``first`` come before the others (the name itself before a given name);
    # ``exact`` before those (the whole name typed).
    first: Q | None = None
    exact: Q | None = None
    address: str = ""  # a text tried as an address fragment when no name matches

    @property
    def partial(self) -> bool:
        return self.kind in PARTIAL_KINDS

    def ordered(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.first is None:
            return queryset.order_by(*self.ordering)
        rank = Case(When(self.exact or self.first, then=Value(0)), When(self.first, then=Value(1)),
                    default=Value(2), output_field=IntegerField())
        return queryset.annotate(search_rank=rank).order_by("search_rank", *self.ordering)


def _unsearchable_number() -> DomainError:
    return DomainError.for_field("q", _("请输入完整身份证号、身份证后6位、完整手机号或手机号后4位"),
                                 code=E.INVALID_SEARCH)


def parse_query(q: str) -> ParsedQuery:
    """What the search box holds, as a filter on Person and the order its results come in."""
    text = (q or "").strip()
    if not text:
        return ParsedQuery("all", Q(), ("-id",))
    compact = re.sub(r"\s+", "", text).upper()
    if _ID_TAIL.fullmatch(compact):
        return ParsedQuery("id_number_partial", Q(id_number_partial_index=id_number_tail_index(compact)), ("id",))
    if _PHONE_TAIL.fullmatch(compact):
        return ParsedQuery("phone_partial", Q(phone_partial_index=phone_tail_index(compact)), ("id",))
    if _ID_LIKE.fullmatch(compact):
        try:
            check = validate_id_number(compact, field="q")
        except InvalidIdNumber as exc:
            raise DomainError.for_field("q", str(exc.message), code=E.INVALID_SEARCH) from None
        index = crypto.blind_index(check.canonical, purpose=ID_NUMBER_PURPOSE)
        return ParsedQuery("id_number", Q(id_number_index=index), ("id",))
    if _TEMPORARY.fullmatch(compact):
        return ParsedQuery("temporary", Q(temporary_number=compact), ("id",))
    if _PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 7:
        try:
            phone = normalise_phone(text, field="q")
        except DomainError:
            # Most often an ID number with a character missing: say what can be searched.
            raise _unsearchable_number() from None
        return ParsedQuery("phone", Q(phone_index=crypto.blind_index(phone, purpose=PHONE_PURPOSE)), ("id",))
    if is_chinese(text):
        words = re.sub(r"\s+", "", text)[:50]
        code = name_code(words)
        # Starts-with on the name, as a range on its code (exact, and index-ordered everywhere).
        prefix = Q(name_code__gte=code, name_code__lt=name_code_upper_bound(code))
        if len(words) < GIVEN_NAME_MIN_CHARS:
            return ParsedQuery("name", prefix, ("name_code", "id"), address=words)
        # Or the given name alone (建国 finds 王建国), after the names that begin with it.
        given = Q(given_name_code__gte=code, given_name_code__lt=name_code_upper_bound(code))
        return ParsedQuery("name", prefix | given, ("name_code", "id"), first=prefix, exact=Q(name_code=code),
                           address=words)
    key = pinyin_query(text)
    if key and not any(c.isdigit() for c in text):
        # One index per search: pinyin when the letters read as pinyin ("zhangw", "li"), else
        # initials ("zw"). An OR of both would leave PostgreSQL walking one index in order while
        # filtering on the other, which at a million rows takes seconds.
        if reads_as_pinyin(key):
            prefix = _letters_prefix("name_pinyin", key)
            if len(key) < GIVEN_PINYIN_MIN_LETTERS:
                return ParsedQuery("pinyin", prefix, ("name_pinyin", "id"))
            # The pinyin of the given name too ("jianguo" finds 王建国): a second index range.
            return ParsedQuery("pinyin", prefix | _letters_prefix("given_name_pinyin", key), ("name_pinyin", "id"),
                               first=prefix, exact=Q(name_pinyin=key))
        return ParsedQuery("initials", _letters_prefix("name_initials", key), ("name_initials", "id"))
    if _NUMBER_LIKE.fullmatch(compact):
        raise _unsearchable_number()
    raise DomainError.for_field("q", _("无法识别的查询：请输入姓名、拼音或首字母、身份证号、临时编号或电话号码"),
                                code=E.INVALID_SEARCH)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _flag_condition(flag: str, today: date) -> Q:
    if flag == PersonFlag.MINOR:
        return Q(birth_date__gt=_years_ago(today, MINOR_AGE))
    if flag == PersonFlag.ELDERLY:
        return Q(birth_date__lte=_years_ago(today, ELDERLY_AGE))
    if flag == PersonFlag.LIVING_ALONE:
        return Q(living_alone=True)
    if flag == PersonFlag.DISABLED:
        return ~Q(disability_category="")
    if flag == PersonFlag.SERIOUS_ILLNESS:
        return Q(serious_illness=True)
    if flag == PersonFlag.ID_UNKNOWN:
        return Q(id_unknown=True)
    raise DomainError.for_field("flag", _("筛选条件无效"), code=E.INVALID_SEARCH)


def _program_condition(code: str) -> Q:
    active = Membership.objects.filter(program__code=code, status=MembershipStatus.ACTIVE)
    in_household = HouseholdMember.objects.filter(
        left_on__isnull=True, person=OuterRef("pk"),
        household__in=active.filter(household__isnull=False).values("household_id"))
    return Q(Exists(active.filter(person=OuterRef("pk")))) | Q(Exists(in_household))


class AccessLoggedSearch(QuerySet[Any]):
    """The results of a partial search: each record read from it is written to the access log.

    The rows are logged where they are read (a page, a type-ahead's first few), never by a
    count, so every caller of the selector logs what it shows without having to remember to.
    """

    log_user: Any = None
    log_kind: str = ""

    def _clone(self) -> AccessLoggedSearch:
        clone: AccessLoggedSearch = super()._clone()  # type: ignore[misc]
        clone.log_user, clone.log_kind = self.log_user, self.log_kind
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self.log_kind and self._iterable_class is ModelIterable:
            purpose, fields = PARTIAL_LOG[self.log_kind]
            for row in self._result_cache or []:
                if isinstance(row, Person):
                    access_log_record(actor=self.log_user, kind="view", subject=row, subject_label=row.name,
                                      region_code=row.residence_region.code, fields=fields, purpose=purpose)
                else:
                    access_log_record(actor=self.log_user, kind="view", subject=row, subject_label=str(row),
                                      region_code=row.region.code, fields=fields, purpose=purpose)


def _logged(queryset: QuerySet[Any], *, user: Any, kind: str) -> QuerySet[Any]:
    logged = queryset._chain()  # type: ignore[attr-defined]
    logged.__class__ = AccessLoggedSearch
    logged.log_user, logged.log_kind = user, kind
    return logged


def _persons_with_number_visible(user: Any, persons: QuerySet[Person], category: str) -> QuerySet[Person]:
    """The persons of ``persons`` whose number of ``category`` ``user`` may see: in their area in
    full, or through a consent in force that shares that category."""
    full = restrict(persons, user, PERSON_VIEW_FULL, PERSON_PATHS)
    consents = consents_visible_to(user)
    if consents is None:
        return full
    shared = {person_id for person_id, categories in consents.values_list("person_id", "categories")
              if category in (categories or [])}
    return full | persons.filter(pk__in=shared) if shared else full


def person_search_for_user(*, user: Any, search: PersonSearch) -> QuerySet[Person]:
    """The persons matching ``search`` that ``user`` may see, in result order.

    A partial number (last 6 of an ID, last 4 of a phone) finds only persons whose number the
    user may see, and the persons read from the result are written to the access log. A Chinese
    text that matches no name (nor given name) is taken as an address fragment.
    """
    parsed = parse_query(search.q)
    persons = Person.objects.all()
    if search.region:
        persons = persons.filter(residence_region__prefix__startswith=region_prefix(search.region))
    if search.program:
        persons = persons.filter(_program_condition(search.program))
    if search.flag:
        persons = persons.filter(_flag_condition(search.flag, timezone.localdate()))
    if parsed.partial:
        found = _persons_with_number_visible(user, persons.filter(parsed.condition), PARTIAL_KINDS[parsed.kind])
        return _logged(parsed.ordered(found.select_related("residence_region")), user=user, kind=parsed.kind)
    named = persons_visible_to(user, persons.filter(parsed.condition))
    if parsed.address and not named.exists():
        by_address = textsearch_filter(persons, subject_type=PERSON_ADDRESS_SUBJECT, query=parsed.address)
        return persons_visible_to(user, by_address).select_related("residence_region").order_by("-id")
    return parsed.ordered(named.select_related("residence_region"))


# --- what a person's page shows --------------------------------------------------------------------
def active_household_member(*, person: Person) -> HouseholdMember | None:
    return HouseholdMember.objects.select_related("household__region").filter(
        person=person, left_on__isnull=True).first()


def household_members(*, household: Household, include_past: bool = False) -> QuerySet[HouseholdMember]:
    members = HouseholdMember.objects.filter(household=household).select_related(
        "person__residence_region")
    if not include_past:
        members = members.filter(left_on__isnull=True)
    head_first = Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1))
    return members.order_by("left_on", head_first, "joined_on", "id")


def memberships_of(*, person: Person | None = None, household: Household | None = None
                   ) -> QuerySet[Membership]:
    memberships = Membership.objects.select_related("program", "reporting_department", "person", "household")
    if person is not None:
        return memberships.filter(person=person)
    return memberships.filter(household=household)


def person_memberships(*, person: Person) -> list[Membership]:
    """The person's own program records and those of their current household."""
    own = list(memberships_of(person=person))
    member = active_household_member(person=person)
    if member is not None:
        own += list(memberships_of(household=member.household))
    return sorted(own, key=lambda m: (m.status != MembershipStatus.ACTIVE, -m.start_date.toordinal(), -m.pk))


def consents_of(*, user: Any, person: Person) -> QuerySet[Consent]:
    consents = restrict(Consent.objects.filter(person=person), user, CONSENT_VIEW, CONSENT_PATHS)
    return consents.select_related("organisation", "department_type", "recorded_by").order_by(
        "withdrawn_at", "-granted_on", "-id")


def consent_get_for_user(*, user: Any, pk: int, action: str = CONSENT_VIEW) -> Consent:
    return get_for_user(Consent.objects.select_related("person__residence_region", "organisation",
                                                       "department_type"),
                        user, action, CONSENT_PATHS, pk=pk)


# --- households -------------------------------------------------------------------------------------
def _head_name() -> Subquery:
    return Subquery(HouseholdMember.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, left_on__isnull=True).values("person__name")[:1])


def _households() -> QuerySet[Household]:
    return Household.objects.select_related("region").annotate(head_name=_head_name())


@dataclass(frozen=True)
class HouseholdSearch:
    q: str = ""  # finds the households of the persons the same text finds
    region: str = ""
    program: str = ""


def household_list_for_user(*, user: Any, search: HouseholdSearch) -> QuerySet[Household]:
    """The households ``user`` may see with a current member the text finds (as the person
    search reads it), or — a Chinese text that finds no member — whose address holds it.
    Households found by a partial number are written to the access log as they are read."""
    households = restrict(_households(), user, HOUSEHOLD_VIEW, HOUSEHOLD_PATHS)
    if search.region:
        households = households.filter(region__prefix__startswith=region_prefix(search.region))
    if search.program:
        households = households.filter(Exists(Membership.objects.filter(
            household=OuterRef("pk"), program__code=search.program, status=MembershipStatus.ACTIVE)))
    if not search.q.strip():
        return households.order_by("-id")
    parsed = parse_query(search.q)
    persons = Person.objects.filter(parsed.condition)
    if parsed.partial:
        persons = _persons_with_number_visible(user, persons, PARTIAL_KINDS[parsed.kind])
    found = households.filter(pk__in=HouseholdMember.objects.filter(
        left_on__isnull=True, person__in=persons).values("household_id"))
    if parsed.partial:
        return _logged(found.order_by("-id"), user=user, kind=parsed.kind)
    if parsed.address and not found.exists():
        return textsearch_filter(households, subject_type=HOUSEHOLD_ADDRESS_SUBJECT,
                                 query=parsed.address).order_by("-id")
    return found.order_by("-id")


def household_get_for_user(*, user: Any, pk: int, action: str = HOUSEHOLD_VIEW) -> Household:
    return get_for_user(_households(), user, action, HOUSEHOLD_PATHS, pk=pk)


HOUSEHOLD_SENSITIVE_FIELDS = ["bank_account", "household_income", "household_property", "household_members"]


def household_detail_for_user(*, user: Any, pk: int, log: bool = True) -> Household:
    household = household_get_for_user(user=user, pk=pk)
    if log:
        access_log_record(actor=user, kind="view", subject=household, subject_label=str(household),
                          region_code=household.region.code, fields=HOUSEHOLD_SENSITIVE_FIELDS)
    return household


# --- memberships and program types ---------------------------------------------------------------------
def membership_list_for_user(*, user: Any, program: str = "", status: str = "", region: str = ""
                             ) -> QuerySet[Membership]:
    memberships = restrict(Membership.objects.select_related(
        "program", "person", "household", "region", "reporting_department"), user, MEMBERSHIP_VIEW,
        MEMBERSHIP_PATHS)
    if program:
        memberships = memberships.filter(program__code=program)
    if status:
        if status not in MembershipStatus.values:
            raise DomainError.for_field("status", _("状态无效"), code=E.INVALID_SEARCH)
        memberships = memberships.filter(status=status)
    if region:
        memberships = memberships.filter(region__prefix__startswith=region_prefix(region))
    return memberships.order_by("-start_date", "-id")


def membership_get_for_user(*, user: Any, pk: int, action: str = MEMBERSHIP_VIEW) -> Membership:
    return get_for_user(Membership.objects.select_related(
        "program", "person__residence_region", "household__region", "region", "reporting_department"),
        user, action, MEMBERSHIP_PATHS, pk=pk)


def program_types(*, active_only: bool = True) -> QuerySet[ProgramType]:
    types = ProgramType.objects.all()
    return types.filter(active=True) if active_only else types


def require_person_action(*, user: Any, person: Person, action: str) -> None:
    """403 unless ``user`` may do ``action`` on ``person`` (who they already see)."""
    require(user, action, Target(region_prefix=person.residence_region.prefix))


def person_or_404(*, user: Any, pk: int, field_name: str = "person_id") -> Person:
    """A person named in a request body: refused as a field error when not visible."""
    try:
        return person_get_for_user(user=user, pk=pk)
    except NotFound:
        raise DomainError.for_field(field_name, _("人员不存在或不在您的范围内"), code="unknown_person") from None

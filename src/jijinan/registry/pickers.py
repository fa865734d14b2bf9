"""Type-ahead pickers of persons and households for the forms of other pages.

The query travels in the POST body (it may be an ID number or a phone), the answer is a list of
radio inputs named like the form's field (``person_id``, ``household_id``), each labelled masked:
name, masked ID number, sex and age, village. Only what the user may see is offered; a search by
an ID number or a phone leaves a row in the access log for each person it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jijinan.audit.services import access_log_record
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import requires
from jijinan.registry import selectors
from jijinan.registry.models import Household, HouseholdMember, Person
from jijinan.registry.permissions import HOUSEHOLD_VIEW, PERSON_VIEW

LIMIT = 10
# Searches by these kinds read only names; any other kind (an ID number, a phone, a part of
# either) reads a protected field and is logged.
UNPROTECTED_KINDS = frozenset({"all", "name", "pinyin", "initials", "temporary"})


@dataclass(frozen=True)
class Option:
    """One choice of a picker: the value of its radio input and its masked label."""

    value: int
    name: str
    details: list[str]

    @property
    def label(self) -> str:
        return " · ".join([self.name, *[d for d in self.details if d]])


def _id_shown(person: Person, full: bool) -> str:
    if person.id_unknown or person.id_number is None:
        return person.temporary_number or _("无证件")
    protected: Any = person.id_number  # a Protected value: decrypted only to mask it
    return str(protected.masked) if full else "—"


def _age_sex(person: Person) -> str:
    age = person.age()
    sex = person.get_sex_display() if person.sex and person.sex != "U" else ""
    if age is None:
        return sex
    return _("%(sex)s %(age)s岁") % {"sex": sex, "age": age} if sex else _("%(age)s岁") % {"age": age}


def person_options(*, user: Any, persons: list[Person]) -> list[Option]:
    views = selectors.person_views(user=user, persons=persons)
    return [Option(v.person.pk, v.person.name, [_id_shown(v.person, v.full), _age_sex(v.person),
                                                v.person.residence_region.name]) for v in views]


def _heads(households: list[Household]) -> dict[int, Person]:
    members = HouseholdMember.objects.filter(household__in=households, relation="head", left_on__isnull=True
                                             ).select_related("person__residence_region")
    return {m.household_id: m.person for m in members}


def household_options(*, user: Any, households: list[Household]) -> list[Option]:
    heads = _heads(households)
    full = {v.person.pk: v.full for v in selectors.person_views(user=user, persons=list(heads.values()))}
    options = []
    for household in households:
        head = heads.get(household.pk)
        details = [_id_shown(head, full.get(head.pk, False)) if head else "", household.region.name]
        options.append(Option(household.pk, str(household), details))
    return options


def person_option(*, user: Any, pk: Any) -> Option | None:
    """The option of one person the user may see (a pre-selection, or a choice sent back), else None."""
    try:
        person = selectors.person_get_for_user(user=user, pk=int(pk))
    except (NotFound, TypeError, ValueError):
        return None
    return person_options(user=user, persons=[person])[0]


def household_option(*, user: Any, pk: Any) -> Option | None:
    try:
        household = selectors.household_get_for_user(user=user, pk=int(pk))
    except (NotFound, TypeError, ValueError):
        return None
    return household_options(user=user, households=[household])[0]


@dataclass
class Found:
    options: list[Option]
    error: str = ""
    searched: bool = False


def _log_search(user: Any, q: str, persons: list[Person]) -> None:
    try:
        kind = selectors.parse_query(q).kind
    except DomainError:
        return
    if kind in UNPROTECTED_KINDS or (kind in selectors.PARTIAL_KINDS and persons):
        return  # a partial number's search: the selector logged every person read from it
    fields = ["phone"] if "phone" in kind else ["id_number"]
    purpose = _("受理登记时按证件号或电话查找")
    if not persons:
        access_log_record(actor=user, kind="view", subject_type="registry.person", fields=fields, purpose=purpose,
                          rows=0)
    for person in persons:
        access_log_record(actor=user, kind="view", subject=person, subject_label=person.name,
                          region_code=person.residence_region.code, fields=fields, purpose=purpose)


def find_persons(*, user: Any, q: str) -> Found:
    q = (q or "").strip()
    if not q:
        return Found([])
    try:
        persons = list(selectors.person_search_for_user(user=user, search=selectors.PersonSearch(q=q))[:LIMIT])
    except DomainError as exc:
        return Found([], error="；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message),
                     searched=True)
    _log_search(user, q, persons)
    return Found(person_options(user=user, persons=persons), searched=True)


def find_households(*, user: Any, q: str) -> Found:
    q = (q or "").strip()
    if not q:
        return Found([])
    try:
        households = list(selectors.household_list_for_user(user=user, search=selectors.HouseholdSearch(q=q))[:LIMIT])
        persons = list(selectors.person_search_for_user(user=user, search=selectors.PersonSearch(q=q))[:LIMIT])
    except DomainError as exc:
        return Found([], error="；".join(m for ms in exc.field_errors.values() for m in ms) or str(exc.message),
                     searched=True)
    _log_search(user, q, persons)
    return Found(household_options(user=user, households=households), searched=True)


def _results(request: HttpRequest, found: Found, name: str) -> HttpResponse:
    return render(request, "registry/_picker_results.html", {"found": found, "name": name})


@requires(PERSON_VIEW)
@require_POST
def person_picker(request: HttpRequest) -> HttpResponse:
    """The persons a query finds, as radio inputs named ``person_id``."""
    return _results(request, find_persons(user=request.user, q=request.POST.get("person_q", "")), "person_id")


@requires(HOUSEHOLD_VIEW)
@require_POST
def household_picker(request: HttpRequest) -> HttpResponse:
    """The households a query finds (through their members), as radio inputs named ``household_id``."""
    return _results(request, find_households(user=request.user, q=request.POST.get("household_q", "")),
                    "household_id")

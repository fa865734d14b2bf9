"""What finds a case in the keyword search: its searchable text, indexed with its handling region in
the transaction of every change to the case (``case_search_refresh``, called where the case's
events are recorded), the keyword filter of the lists, and the rebuild of the whole index.

The text is the case's number, its 12345/110/120 work-order numbers, the description, the
subject's name and description, the place of the event, the reporter's name, the Chinese names of
its categories and needs, and the names of the linked person and of the head of the linked
household. ID numbers, phone numbers and bank accounts are never indexed: none of those fields is
read, and a run of 11 or more digits in the free text (a phone or an ID number typed into the
description) is left out, so a keyword search — whose words travel in the URL — cannot find a
case by one. A phone is searched through its blind index instead (``phone_condition``).

Numbers are found exactly. A query holding a latin or digit word is first matched against whole
indexed words: a case number or an order number typed in full (``NJ12345-2026-0001``) finds that
case, and not the cases whose numbers merely begin with it (``NJ12345-2026-00012``). Only when no
case in the list holds the words whole are they taken as the beginnings of words (``NJ12345-2026``
finds every order of that series, ``0001`` a serial).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast

from jijinan.cases.models import Case, CaseCategory, NeedType
from jijinan.core.search.textsearch import (
    has_words,
    textsearch_filter,
    textsearch_index,
    textsearch_index_many,
    textsearch_prune,
)
from jijinan.registry.choices import Relation
from jijinan.registry.models import HouseholdMember

CASE_SUBJECT = "cases.case"
REBUILD_BATCH = 500
# A phone number, an ID number or a bank account typed into free text: 11 or more digits (an ID
# number may end in X), not part of a longer word such as a case or order number.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{11,}[Xx]?(?![0-9A-Za-z])")
# The fields the text is built from; a case whose values are unchanged since it was last indexed
# (in this transaction, on this instance) is not indexed again.
_FIELDS = ("number", "work_orders", "description", "subject_name", "subject_description", "event_place",
           "reporter_name", "categories", "needs", "person_id", "household_id", "handling_region_id")
_MEMO = "_search_indexed"


def _free(text: str) -> str:
    return _LONG_NUMBER.sub(" ", text or "")


def case_search_text(case: Case, *, names: dict[tuple[str, str], str], head_name: str = "",
                     person_name: str = "") -> str:
    """The searchable text of ``case``; ``names`` maps ("category" | "need", code) to the Chinese
    name, ``head_name`` is the head of the linked household, ``person_name`` the linked person."""
    orders = case.work_orders if isinstance(case.work_orders, dict) else {}
    parts = [case.number, *(str(number) for number in orders.values()),
             _free(case.description), _free(case.subject_name), _free(case.subject_description),
             _free(case.event_place), _free(case.reporter_name),
             *(names.get(("category", code), "") for code in case.categories or []),
             *(names.get(("need", code), "") for code in case.needs or []),
             person_name, head_name]
    # One part a line: the bigrams of Chinese text do not run from one field into the next.
    return "\n".join(p for p in parts if p)


def _names(categories: Iterable[str], needs: Iterable[str]) -> dict[tuple[str, str], str]:
    """The Chinese names of these codes, in one query."""
    cats, wanted = sorted(set(categories)), sorted(set(needs))
    if not cats and not wanted:
        return {}
    rows = (CaseCategory.objects.filter(code__in=cats).order_by()
            .values_list(Value("category", output_field=CharField()), "code", "name")
            .union(NeedType.objects.filter(code__in=wanted).order_by()
                   .values_list(Value("need", output_field=CharField()), "code", "name"), all=True))
    return {(kind, code): name for kind, code, name in rows}


def _heads(household_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({pk for pk in household_ids if pk})
    if not ids:
        return {}
    return dict(HouseholdMember.objects.filter(household_id__in=ids, relation=Relation.HEAD, left_on__isnull=True)
                .order_by().values_list("household_id", "person__name"))


def _fingerprint(case: Case) -> tuple[Any, ...]:
    return tuple(repr(getattr(case, name)) for name in _FIELDS)


def case_search_refresh(case: Case) -> None:
    """Index ``case`` as it is now, in the caller's transaction (one upsert)."""
    fingerprint = _fingerprint(case)
    if getattr(case, _MEMO, None) == fingerprint:
        return
    head = _heads([case.household_id]).get(case.household_id or 0, "") if case.household_id else ""
    person = case.person.name if case.person_id and case.person is not None else ""
    text = case_search_text(case, names=_names(case.categories or [], case.needs or []), head_name=head,
                            person_name=person)
    textsearch_index(subject_type=CASE_SUBJECT, subject_id=case.pk, text=text,
                     region_code=case.handling_region.code)
    setattr(case, _MEMO, fingerprint)


def case_keyword_filter(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """``cases`` narrowed to those matching ``query``: its words whole when some case of ``cases``
    holds them whole (a number typed in full), else as beginnings of words (see the module)."""
    if has_words(query):
        exact = textsearch_filter(cases, subject_type=CASE_SUBJECT, query=query, whole_words=True)
        if exact.exists():
            return exact
    return textsearch_filter(cases, subject_type=CASE_SUBJECT, query=query)


@dataclass(frozen=True)
class RebuildResult:
    indexed: int
    removed: int


def case_search_rebuild(*, batch_size: int = REBUILD_BATCH,
                        progress: Callable[[int, int], None] | None = None) -> RebuildResult:
    """Index every case again, ``batch_size`` a transaction, and forget the entries of cases that
    no longer exist. ``progress(done, total)`` is called after each batch."""
    total = Case.objects.count()
    done = 0
    if progress is not None:
        progress(0, total)
    names = {("category", c): n for c, n in CaseCategory.objects.values_list("code", "name")}
    names.update({("need", c): n for c, n in NeedType.objects.values_list("code", "name")})
    last = 0
    while True:
        batch = list(Case.objects.filter(pk__gt=last).order_by("pk").select_related("handling_region", "person")
                     [:batch_size])
        if not batch:
            break
        heads = _heads(c.household_id for c in batch if c.household_id)
        items = [(c.pk, case_search_text(c, names=names, head_name=heads.get(c.household_id or 0, ""),
                                         person_name=c.person.name if c.person is not None else ""),
                  c.handling_region.code) for c in batch]
        textsearch_index_many(subject_type=CASE_SUBJECT, items=items)
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(done, max(total, done))
    removed = textsearch_prune(subject_type=CASE_SUBJECT,
                               keep=Case.objects.annotate(_id=Cast("pk", CharField())).values_list("_id", flat=True))
    return RebuildResult(indexed=done, removed=removed)

"""The search keys of persons and households beyond the name: given name, the ends of ID and phone
numbers (keyed partial indexes), and addresses in the keyword-search index.

Every write of a person fills the columns (``person_search_values``) and indexes the address in
the same transaction (``person_address_index``; households: ``household_address_index``). Rows
written before these keys existed are filled by the registry's migration 0003, and
``registry_search_rebuild`` (``jijinan search rebuild``) fills them again from the records.
Only the address text goes into the keyword index: no ID number, phone or bank account does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast

from jijinan.core.protected import crypto
from jijinan.core.protected.fields import Protected
from jijinan.core.protected.key_rotation import register_derived_columns
from jijinan.core.search.textsearch import textsearch_index_many, textsearch_prune
from jijinan.registry.models import ID_NUMBER_PURPOSE, PHONE_PURPOSE, Household, Person
from jijinan.registry.names import given_name, given_name_pinyin, name_code

PERSON_ADDRESS_SUBJECT = "registry.person.address"
HOUSEHOLD_ADDRESS_SUBJECT = "registry.household.address"
ID_TAIL_LENGTH, PHONE_TAIL_LENGTH = 6, 4
REBUILD_BATCH = 500
_NOT_DIGITS = re.compile(r"[^0-9]")


def id_number_tail_index(tail: str) -> str:
    """The partial index of the last 6 characters of a canonical ID number (upper-case X)."""
    return crypto.partial_index(tail.upper(), purpose=ID_NUMBER_PURPOSE)


def phone_tail_index(tail: str) -> str:
    """The partial index of the last 4 digits of a phone number."""
    return crypto.partial_index(tail, purpose=PHONE_PURPOSE)


def id_number_partial_index(canonical: str | None) -> str | None:
    return id_number_tail_index(canonical[-ID_TAIL_LENGTH:]) if canonical else None


def phone_partial_index(phone: str | None) -> str:
    digits = _NOT_DIGITS.sub("", phone or "")
    return phone_tail_index(digits[-PHONE_TAIL_LENGTH:]) if len(digits) >= PHONE_TAIL_LENGTH else ""


def given_name_values(name: str) -> dict[str, str]:
    rest = given_name(name)
    return {"given_name_code": name_code(rest) if rest else "", "given_name_pinyin": given_name_pinyin(name)}


def _plain(value: Protected | str | None) -> str | None:
    if value is None:
        return None
    return value.reveal() if isinstance(value, Protected) else value


def person_search_values(person: Person) -> dict[str, Any]:
    """Every search column of ``person`` derived from its name, ID number and phone."""
    return {**given_name_values(person.name),
            "id_number_partial_index": id_number_partial_index(_plain(person.id_number)),
            "phone_partial_index": phone_partial_index(_plain(person.phone))}


def person_address_index(person: Person) -> None:
    """Index the person's address (or nothing) with their residence region; in their transaction."""
    textsearch_index_many(subject_type=PERSON_ADDRESS_SUBJECT, items=[
        (person.pk, person.residence_address, person.residence_region.code)])


def household_address_index(household: Household) -> None:
    textsearch_index_many(subject_type=HOUSEHOLD_ADDRESS_SUBJECT, items=[
        (household.pk, household.address, household.region.code)])


def register_search_keys() -> None:
    """Key rotation recomputes the partial indexes with every ID number and phone it re-encrypts."""
    register_derived_columns("registry.person", "id_number",
                             lambda plain: {"id_number_partial_index": id_number_partial_index(plain)})
    register_derived_columns("registry.person", "phone",
                             lambda plain: {"phone_partial_index": phone_partial_index(plain)})


# --- rebuild -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegistrySearchRebuild:
    persons: int
    households: int
    removed: int


def _rebuild_persons(batch_size: int, progress: Callable[[int, int], None] | None) -> int:
    total = Person.objects.count()
    done, last = 0, 0
    while True:
        with transaction.atomic():
            batch = list(Person.objects.filter(pk__gt=last).order_by("pk").select_related("residence_region")
                         .select_for_update(of=("self",))[:batch_size])
            if not batch:
                break
            for person in batch:
                values = person_search_values(person)
                if any(getattr(person, k) != v for k, v in values.items()):
                    Person.objects.filter(pk=person.pk).update(**values)
            textsearch_index_many(subject_type=PERSON_ADDRESS_SUBJECT, items=[
                (p.pk, p.residence_address, p.residence_region.code) for p in batch])
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(done, max(total, done))
    return done


def _rebuild_households(batch_size: int) -> int:
    done, last = 0, 0
    while True:
        batch = list(Household.objects.filter(pk__gt=last).order_by("pk").select_related("region")[:batch_size])
        if not batch:
            return done
        with transaction.atomic():
            textsearch_index_many(subject_type=HOUSEHOLD_ADDRESS_SUBJECT, items=[
                (h.pk, h.address, h.region.code) for h in batch])
        done += len(batch)
        last = batch[-1].pk


def registry_search_rebuild(*, batch_size: int = REBUILD_BATCH,
                            progress: Callable[[int, int], None] | None = None) -> RegistrySearchRebuild:
    """Recompute every person's search columns (given name, partial indexes) and index every
    address again, ``batch_size`` rows a transaction; forget entries of records that are gone."""
    persons = _rebuild_persons(batch_size, progress)
    households = _rebuild_households(batch_size)
    removed = textsearch_prune(subject_type=PERSON_ADDRESS_SUBJECT, keep=Person.objects.annotate(
        _id=Cast("pk", CharField())).values_list("_id", flat=True))
    removed += textsearch_prune(subject_type=HOUSEHOLD_ADDRESS_SUBJECT, keep=Household.objects.annotate(
        _id=Cast("pk", CharField())).values_list("_id", flat=True))
    return RegistrySearchRebuild(persons=persons, households=households, removed=removed)

"""Synthetic persons and households for load tests and benchmarks: Faker zh_CN names, valid ID
numbers (area, birth date, sequence, MOD 11-2 check digit), spread over the loaded townships
and villages, written with bulk inserts in batches. No audit events: this is not anyone's work.

Repeatable: the n-th synthetic person is always the same, and a run only adds the ones missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from jijinan.core.protected import crypto
from jijinan.core.protected.ids import check_digit_for
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.registry.choices import (
    DisabilityCategory,
    Education,
    Employment,
    IdDocumentKind,
    MembershipStatus,
    PersonSource,
    Relation,
)
from jijinan.registry.models import (
    ID_NUMBER_PURPOSE,
    PHONE_PURPOSE,
    Household,
    HouseholdMember,
    Membership,
    Person,
    ProgramType,
)
from jijinan.registry.names import name_code, name_keys
from jijinan.registry.search import given_name_values, id_number_partial_index, phone_partial_index

BATCH = 5000
_EARLIEST = date(1930, 1, 1)
_SPAN_DAYS = (date(2023, 12, 31) - _EARLIEST).days
_DISABILITIES = [c for c in DisabilityCategory.values if c]


@dataclass(frozen=True)
class GenerationResult:
    created: int
    households: int
    total: int


def _regions() -> list[Region]:
    """Where synthetic people live: villages if any are loaded, else townships."""
    for level in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP):
        regions = list(Region.objects.filter(level=level, valid_to__isnull=True).order_by("code"))
        if regions:
            return regions
    raise RuntimeError("no townships loaded: run the regions demo step first")


def synthetic_id_number(rng: random.Random, area: str, born: date, female: bool) -> str:
    sequence = rng.randrange(500) * 2 + (0 if female else 1)  # odd: male, even: female
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + check_digit_for(body)


def generate_persons(count: int, *, seed: int = 2016, batch: int = BATCH,
                     progress: Callable[[str], None] | None = None) -> GenerationResult:
    """Make sure ``count`` synthetic persons exist; households group neighbours of one village."""
    existing = Person.objects.filter(source=PersonSource.SYNTHETIC).count()
    if existing >= count:
        return GenerationResult(0, 0, existing)
    regions = _regions()
    programs = {p.code: p for p in ProgramType.objects.all()}
    created = households = 0
    done = existing
    while done < count:
        size = min(batch, count - done)
        made, homes = _batch(start=done, size=size, seed=seed, regions=regions, programs=programs)
        created += made
        households += homes
        done += size
        if progress:
            progress(f"registry: {done:,} / {count:,} persons")
    return GenerationResult(created, households, done)


def _batch(*, start: int, size: int, seed: int, regions: list[Region], programs: dict[str, ProgramType]
           ) -> tuple[int, int]:
    rng = random.Random(seed * 1_000_003 + start)  # noqa: S311  (synthetic data, not secrets)
    fake = Faker("zh_CN")
    fake.seed_instance(seed * 7919 + start)
    now = timezone.now()
    people: list[Person] = []
    numbers: set[str] = set()
    region = rng.choice(regions)
    for i in range(size):
        if i % 40 == 0:
            region = rng.choice(regions)  # neighbours: a run of people in one village
        female = rng.random() < 0.5
        name = fake.last_name() + (fake.first_name_female() if female else fake.first_name_male())
        born = _EARLIEST + timedelta(days=rng.randrange(_SPAN_DAYS))
        number = synthetic_id_number(rng, region.code[:6], born, female)
        while number in numbers:
            number = synthetic_id_number(rng, region.code[:6], born, female)
        numbers.add(number)
        pinyin, initials = name_keys(name)
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.6 else None
        disabled = rng.random() < 0.06
        people.append(Person(
            name=name, name_code=name_code(name), name_pinyin=pinyin, name_initials=initials, id_number=number,
            id_number_index=crypto.blind_index(number, purpose=ID_NUMBER_PURPOSE),
            id_kind=IdDocumentKind.RESIDENT, sex="F" if female else "M", birth_date=born,
            phone=phone, phone_index=crypto.blind_index(phone, purpose=PHONE_PURPOSE) if phone else "",
            id_number_partial_index=id_number_partial_index(number), phone_partial_index=phone_partial_index(phone),
            **given_name_values(name), residence_region=region, residence_address=fake.street_address(),
            disability_category=rng.choice(_DISABILITIES) if disabled else "",
            disability_grade=rng.randint(1, 4) if disabled else None,
            serious_illness=rng.random() < 0.03, employment=rng.choice(Employment.values),
            education=rng.choice(Education.values), living_alone=rng.random() < 0.05,
            source=PersonSource.SYNTHETIC, created_at=now, updated_at=now))
    with transaction.atomic():
        _drop_clashes(people, rng)
        Person.objects.bulk_create(people, batch_size=1000)
        homes = _households(people, rng, programs, now)
    return len(people), homes


def _drop_clashes(people: list[Person], rng: random.Random) -> None:
    """Re-draw the rare number that an earlier batch already used."""
    while True:
        taken = set(Person.objects.filter(id_number_index__in=[p.id_number_index for p in people])
                    .values_list("id_number_index", flat=True))
        if not taken:
            return
        for p in people:
            if p.id_number_index in taken:
                assert p.birth_date is not None
                number = synthetic_id_number(rng, p.residence_region.code[:6], p.birth_date, p.sex == "F")
                p.id_number = number
                p.id_number_index = crypto.blind_index(number, purpose=ID_NUMBER_PURPOSE)
                p.id_number_partial_index = id_number_partial_index(number)


def _households(people: list[Person], rng: random.Random, programs: dict[str, ProgramType], now: datetime
                ) -> int:
    groups: list[list[Person]] = []
    i = 0
    while i < len(people):
        n = min(rng.choice((1, 1, 2, 2, 3, 3, 4, 5)), len(people) - i)
        group = people[i:i + n]
        # Keep a household inside one village.
        group = [p for p in group if p.residence_region_id == group[0].residence_region_id]
        groups.append(group)
        i += len(group)
    homes = [Household(region=g[0].residence_region, address=g[0].residence_address,
                       monthly_income_fen=rng.randrange(0, 800_000, 100),
                       financial_assets_fen=rng.randrange(0, 5_000_000, 100), vehicles=int(rng.random() < 0.1),
                       created_at=now, updated_at=now) for g in groups]
    Household.objects.bulk_create(homes, batch_size=1000)
    relations = [Relation.SPOUSE, Relation.CHILD, Relation.PARENT, Relation.GRANDCHILD]
    members = []
    for home, group in zip(homes, groups, strict=True):
        head = max(group, key=lambda p: (p.birth_date is not None and p.birth_date.year < 2005, p.pk))
        for p in group:
            relation = Relation.HEAD if p is head else rng.choice(relations)
            members.append(HouseholdMember(household=home, person=p, relation=relation,
                                           joined_on=date(2023, 1, 1)))
    HouseholdMember.objects.bulk_create(members, batch_size=2000)
    memberships = []
    start = date(2023, 1, 1)
    for home in homes:
        roll = rng.random()
        code = "dibao" if roll < 0.04 else "dibao_edge" if roll < 0.06 else "high_risk_household" \
            if roll < 0.07 else ""
        if code and code in programs:
            memberships.append(Membership(program=programs[code], household=home, region=home.region,
                                          status=MembershipStatus.ACTIVE, start_date=start,
                                          created_at=now, updated_at=now))
    for p in people:
        if p.disability_grade in (1, 2) and "severe_disability" in programs:
            memberships.append(Membership(program=programs["severe_disability"], person=p,
                                          region=p.residence_region, status=MembershipStatus.ACTIVE,
                                          start_date=start, created_at=now, updated_at=now))
    Membership.objects.bulk_create(memberships, batch_size=2000)
    return len(homes)

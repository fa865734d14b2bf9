"""Snapshots of typed inputs survive JSON exactly, and bad snapshots are refused naming the field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jijinan.core.snapshot import SnapshotError, from_json, to_json


@dataclass(frozen=True)
class Member:
    birth_date: date
    grade: int | None = None
    flags: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Household:
    income_fen: int
    area: Decimal
    members: tuple[Member, ...]
    note: str = ""
    verified: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    acquired: date | None = None


members = st.builds(Member, birth_date=st.dates(), grade=st.none() | st.integers(1, 4),
                    flags=st.lists(st.text(max_size=5), max_size=3).map(tuple),
                    tags=st.frozensets(st.sampled_from(["eating", "bathing", "dressing"])))
households = st.builds(
    Household, income_fen=st.integers(0, 10**12),
    area=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    members=st.lists(members, max_size=5).map(tuple), note=st.text(max_size=20), verified=st.booleans(),
    sources=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    acquired=st.none() | st.dates())


@settings(max_examples=200, deadline=None)
@given(households)
def test_round_trip_through_json_text_is_exact(value: Household) -> None:
    stored = json.loads(json.dumps(to_json(value)))
    assert from_json(Household, stored) == value


def test_decimals_are_text_never_floats() -> None:
    data = to_json(Household(income_fen=1, area=Decimal("30.10"), members=()))
    assert data["area"] == "30.10"
    with pytest.raises(SnapshotError) as err:
        from_json(Household, {**data, "area": 30.1})
    assert err.value.field == "Household.area"


@pytest.mark.parametrize(("data", "field"), [
    ({"income_fen": "1", "area": "1", "members": []}, "Household.income_fen"),
    ({"income_fen": True, "area": "1", "members": []}, "Household.income_fen"),
    ({"income_fen": 1, "area": "x", "members": []}, "Household.area"),
    ({"income_fen": 1, "area": "1", "members": [{"birth_date": "1990-02-30"}]}, "Household.members[0].birth_date"),
    ({"income_fen": 1, "area": "1", "members": [], "colour": "red"}, "Household.colour"),
    ({"income_fen": 1, "area": "1", "members": [{}]}, "Household.members[0].birth_date"),
])
def test_bad_snapshots_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(SnapshotError) as err:
        from_json(Household, data)
    assert err.value.field == field

"""Region fixtures shared by tests: the real Jiangsu tree, loaded per test (about 50 ms)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jijinan.regions.services import regions_load_csv

JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"


def load_jiangsu() -> None:
    regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31),
                     source="NBS 2022")


@pytest.fixture
def jiangsu(db: None) -> None:
    load_jiangsu()

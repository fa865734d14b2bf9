"""Chinese keyword search at scale: a two-character term through the full-text index, against an
exact lookup of one entry by its indexed (subject_type, subject_id) key on the same table.

The size comes from JIJINAN_BENCH_SEARCH_ENTRIES (default 100,000): synthetic case texts (Faker
zh_CN names and places, a few hardship words, a case number). They are indexed once and kept, so a
second run on the same PostgreSQL database starts at once:
``DATABASE_URL=postgres://… python bench/run.py bench_textsearch``.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import time
from typing import Any

from django.db import connection

from benchlib import Case
from jijinan.core.models import SearchEntry
from jijinan.core.search.textsearch import textsearch_ids, textsearch_index_many

ENTRIES = int(os.environ.get("JIJINAN_BENCH_SEARCH_ENTRIES", "100000"))
SUBJECT = "bench.case"
PAGE = 50
WORDS = ["火灾", "车祸", "重病", "白血病", "尿毒症", "失业", "洪水", "意外伤害", "医疗费用", "学费",
         "房屋倒塌", "低保", "残疾", "独居老人", "务工受伤", "子女就学", "冰雹", "台风", "烧伤", "走失"]
REGIONS = ["320102001000", "320102002000", "320106001000", "320111003000", "320115004000"]
_rng = random.Random(2026)
state: dict[str, Any] = {}


def _text(fake: Any, n: int) -> str:
    words = "、".join(_rng.sample(WORDS, 2))
    return (f"{fake.name()}，住{fake.city_name()}{fake.street_address()}，因{words}致家庭生活困难，"
            f"申请临时救助。编号 JJ-320102-2026-{n:06d}")


def prepare() -> None:
    if state:
        return
    have = SearchEntry.objects.filter(subject_type=SUBJECT).count()
    if have < ENTRIES:
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(2026)
        started = time.perf_counter()
        for start in range(have, ENTRIES, 5000):
            textsearch_index_many(subject_type=SUBJECT, items=[
                (n, _text(fake, n), _rng.choice(REGIONS)) for n in range(start, min(start + 5000, ENTRIES))])
        print(f"  indexed {ENTRIES - have:,} entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sample = list(SearchEntry.objects.filter(subject_type=SUBJECT).order_by("?")
                  .values_list("subject_id", "text_tokens")[:200])
    # Two-character terms taken from the names (the first bigram of each text): rare, like a real search.
    names = [next(t for t in tokens.split(" ") if len(t) == 2) for _, tokens in sample]
    state.update(ids=itertools.cycle([sid for sid, _ in sample]), names=itertools.cycle(names),
                 words=itertools.cycle(WORDS[:8]))
    hits = len(textsearch_ids(subject_type=SUBJECT, query="火灾"))
    print(f"  search entries: {SearchEntry.objects.filter(subject_type=SUBJECT).count():,}; "
          f"'火灾' matches {hits:,}; name bigrams e.g. {names[:3]}", file=sys.stderr)


def exact_lookup() -> None:
    assert list(SearchEntry.objects.filter(subject_type=SUBJECT, subject_id=next(state["ids"]))
                .values_list("subject_id", flat=True))


def two_char_name() -> None:
    assert list(textsearch_ids(subject_type=SUBJECT, query=next(state["names"])))


def two_char_word_page() -> None:
    # A common word (about one text in ten): the first page, as a list screen would ask for it.
    assert len(list(textsearch_ids(subject_type=SUBJECT, query=next(state["words"]))[:PAGE])) == PAGE


def case_number() -> None:
    assert list(textsearch_ids(subject_type=SUBJECT, query=f"{_rng.randrange(ENTRIES):06d}"))


CASES = [
    Case("exact_key_lookup", exact_lookup, setup=prepare, repeat=200, warmup=10, unit="1 row"),
    Case("two_char_name", two_char_name, baseline="exact_key_lookup", setup=prepare, repeat=200,
         warmup=10, unit="all hits"),
    Case("two_char_word_page", two_char_word_page, baseline="exact_key_lookup", setup=prepare,
         repeat=100, warmup=5, unit=f"{PAGE} rows"),
    Case("case_number_serial", case_number, baseline="exact_key_lookup", setup=prepare, repeat=200,
         warmup=10, unit="1 row"),
]

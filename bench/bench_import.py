"""Department file import: a hospital-bills CSV through `jijinan import`'s path (read, decode,
check every cell, match ID numbers against the registry, encrypt, COPY) against a bare COPY of
the same file into a plain table, in the same run.

500,000 rows on PostgreSQL, 50,000 on SQLite (so `make bench` stays short); set
JIJINAN_BENCH_IMPORT_ROWS to change it:
``DATABASE_URL=postgres://… python bench/run.py bench_import``. The rows/s of each case are
printed beside the table; the goal is at least 5,000 rows/s for the import with validation.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from benchlib import Case

JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"
XUANWU = "320102000000"
PLAIN = "bench_import_plain"
HEADER = ["姓名", "身份证号", "结算日期", "医疗机构", "医疗总费用", "个人自付金额", "区划代码"]
state: dict[str, Any] = {}


def _rows() -> int:
    default = "500000" if connection.vendor == "postgresql" else "50000"
    return int(os.environ.get("JIJINAN_BENCH_IMPORT_ROWS", default))


def _id(sequence: int) -> str:
    from jijinan.core.protected.ids import check_digit_for

    born = date(1950, 1, 1) + timedelta(days=sequence % 20000)
    body = f"320102{born:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit_for(body)


def prepare() -> None:
    if state:
        return
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=XUANWU).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    townships = list(Region.objects.filter(prefix__startswith="320102", level="township")
                     .values_list("code", flat=True))
    rows = _rows()
    folder = Path(tempfile.mkdtemp(prefix="jijinan-bench-import-"))
    path = folder / "hospital_bills.csv"
    rnd = random.Random(7)
    formats = ["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y%m%d}", "{:%Y}年{:%m}月{:%d}日"]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            day = date(2024, 1, 1) + timedelta(days=i % 600)
            shown = formats[i % 4].format(day, day, day)
            total = rnd.randint(100_00, 500_000_00)
            writer.writerow([f"患者{i}", _id(i) if i % 10 else "", shown, "江苏省人民医院",
                             f"{total / 100:,.2f}", f"{total * 3 // 10 / 100:.2f}", rnd.choice(townships)])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (name text, id_number text, settled text, hospital text, "
                       "total text, own text, region_code text)")
    state.update(path=path, rows=rows, times={})
    print(f"  {rows:,} rows, {path.stat().st_size / 1024 / 1024:.1f} MB", file=sys.stderr)


def _timed(name: str, func: Any) -> None:
    started = time.perf_counter()
    func()
    state["times"].setdefault(name, []).append(time.perf_counter() - started)


def bare_copy() -> None:
    """The same file into a plain text table: no parsing, no checks, no encryption."""
    def copy() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {PLAIN}" if connection.vendor == "postgresql" else f"DELETE FROM {PLAIN}")  # noqa: S608
            if connection.vendor == "postgresql":
                with state["path"].open("rb") as f, cursor.cursor.copy(
                        f"COPY {PLAIN} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
            else:
                with state["path"].open(encoding="utf-8", newline="") as f:
                    reader = csv.reader(f)
                    next(reader)
                    cursor.executemany(f"INSERT INTO {PLAIN} VALUES (%s, %s, %s, %s, %s, %s, %s)", reader)  # noqa: S608
    _timed("bare_copy", copy)


def import_file() -> None:
    from jijinan.exchange.choices import BatchStatus
    from jijinan.exchange.models import DepartmentRecord, ImportBatch
    from jijinan.exchange.services import import_file as run

    def imported() -> None:
        batch = run(actor=None, source_code="hospital_bills", path=state["path"], region_code=XUANWU)
        assert batch.status == BatchStatus.COMMITTED and batch.rows_written == state["rows"], batch.file_error
        state["last"] = batch.pk
    _timed("import", imported)
    # Clean up outside the timing, so every repetition writes into the same table size.
    with transaction.atomic():
        DepartmentRecord.objects.filter(batch_id=state["last"])._raw_delete(DepartmentRecord.objects.db)
        ImportBatch.objects.filter(pk=state["last"]).delete()


def report() -> None:
    for name, times in state["times"].items():
        best = min(times)
        print(f"  {name}: {state['rows'] / best:,.0f} rows/s (best of {len(times)}; "
              f"median {sorted(times)[len(times) // 2]:.1f} s)", file=sys.stderr)


CASES = [
    Case("bare_copy", bare_copy, setup=prepare, repeat=3, warmup=0, unit="file"),
    Case("import_with_validation", import_file, baseline="bare_copy", setup=prepare, repeat=3, warmup=0,
         unit="file"),
    Case("rows_per_second", report, repeat=1, warmup=0, unit="(printed above)"),
]

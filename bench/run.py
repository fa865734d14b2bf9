"""`make bench`: run every bench/bench_*.py, print one table, compare each case to its baseline.

Each module defines ``CASES``: a list of ``Case(name, func, baseline=..., setup=...)``. A case's
``func`` runs one repetition; the table gives the median and p95 over the repetitions, and the
ratio of the case's median to its baseline's median measured in the same run (a baseline is the
cheapest comparable operation, so the ratio says what our code adds on top of it).
The run uses a fresh SQLite database in a temporary folder unless DATABASE_URL is set.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    os.environ.setdefault("JIJINAN_VAR_DIR", tempfile.mkdtemp(prefix="jijinan-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jijinan.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from benchlib import Case  # noqa: F401  (the modules import it too)

    only = set(sys.argv[1:])
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        medians: dict[str, float] = {}
        for case in module.CASES:
            if only and path.stem not in only and case.name not in only:
                continue
            if case.setup:
                case.setup()
            for _ in range(case.warmup):
                case.func()
            times = []
            for _ in range(case.repeat):
                started = time.perf_counter()
                case.func()
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
            medians[case.name] = median
            base = medians.get(case.baseline) if case.baseline else None
            ratio = f"{median / base:.2f}×" if base else "—"
            rows.append((path.stem.removeprefix("bench_"), case.name, case.repeat,
                         f"{median:.3f}", f"{p95:.3f}", case.baseline or "—", ratio, case.unit))
    header = ("suite", "case", "runs", "median ms", "p95 ms", "baseline", "ratio", "per")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    from django.db import connection

    print(f"\ndatabase: {connection.vendor}; python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

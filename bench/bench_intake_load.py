"""Intake under load through the real HTTP server: POST /api/v1/cases at a fixed arrival rate
(30 a second, for 60 s on PostgreSQL and 15 s on SQLite; JIJINAN_BENCH_INTAKE_RATE and
JIJINAN_BENCH_INTAKE_SECONDS override) from a thread pool, signed in with an API token.

Latency runs from each request's scheduled start (a late start counts against the server), so
p50/p95 stay honest when the server falls behind. The server's CPU time (utime + stime of its
process, from /proc) per intake is compared with its CPU time per request of a trivial
authenticated endpoint (GET /api/v1/me) sent at the same rate in the same run: the ratio says
what an intake costs beyond the request machinery. The server is gunicorn, as in production
(2 worker processes × 4 threads), in a child process on the same database; CPU time is summed
over it and its workers.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from django.db import connection
from django.utils import timezone

from benchlib import Case

RATE = float(os.environ.get("JIJINAN_BENCH_INTAKE_RATE", "30"))
SECONDS = float(os.environ.get("JIJINAN_BENCH_INTAKE_SECONDS",
                               "60" if connection.vendor == "postgresql" else "15"))
TRIVIAL_SECONDS = min(SECONDS, 20.0)
WORKERS = 8
TOWNSHIP = "320102002000"  # 梅园新村街道
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"
ROOT = Path(__file__).resolve().parent.parent
POLICY_DEFAULTS = ROOT / "src/jijinan/policy/data/defaults.json"
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇"]
CAUSES = [("fire", "夜间家中发生火灾，房屋烧毁，无处居住"), ("serious_illness", "突发重病住院，医疗费用无力支付"),
          ("accident", "交通事故受伤，家庭失去收入"), ("unemployment", "失业后无收入，子女就学困难")]


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants (gunicorn's master and its workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in family:
                family.add(child)
                frontier.append(child)
    total = 0.0
    for member in family:
        try:
            total += _cpu_seconds(member)
        except OSError:
            continue
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token() -> str:
    from jijinan.accounts.models import Grant, User
    from jijinan.accounts.services import token_create
    from jijinan.core.calendar.services import calendar_seed
    from jijinan.core.permissions import Role
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=TOWNSHIP).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    today = timezone.localdate()
    calendar_seed(years=range(today.year - 1, today.year + 2))
    # The policy parameters, as in production: each intake starts its stage's deadline from them.
    from jijinan.policy.models import ParameterDefinition
    from jijinan.policy.services import parameters_load_json

    if not ParameterDefinition.objects.filter(name="temporary_assistance.review_limit").exists():
        parameters_load_json(actor=None, text=POLICY_DEFAULTS.read_text(encoding="utf-8"), source="bench")
    user, _ = User.objects.get_or_create(username="bench_intake", defaults={"full_name": "热线坐席"})
    Grant.objects.get_or_create(user=user, role=Role.HOTLINE_OPERATOR, region=Region.objects.get(code=TOWNSHIP))
    _, secret = token_create(user=user, name="bench", days=1)
    return secret


class Phase:
    """What one phase measured (a plain class: run.py loads bench modules outside sys.modules,
    where dataclasses cannot resolve their annotations)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.late_starts = 0


def _request(port: int, method: str, path: str, token: str, body: bytes | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _intake_body(i: int) -> bytes:
    category, text = CAUSES[i % len(CAUSES)]
    return json.dumps({
        "channel": "hotline", "handling_region_code": TOWNSHIP,
        "event_at": (timezone.now() - timedelta(hours=2)).isoformat(), "categories": [category],
        "needs": ["money"], "description": text, "subject_name": NAMES[i % len(NAMES)],
        "reporter_name": NAMES[(i + 3) % len(NAMES)], "reporter_phone": f"138{i % 100_000_000:08d}",
        "urgency": "urgent" if i % 5 == 0 else "normal", "client_key": uuid.uuid4().hex,
    }, ensure_ascii=False).encode()


def _run_phase(port: int, token: str, seconds: float, make: object) -> Phase:
    """Send ``rate × seconds`` requests, each at its scheduled instant, from a thread pool."""
    phase = Phase()
    total = int(RATE * seconds)

    def one(i: int, scheduled: float) -> None:
        method, path, body, ok = make(i)  # type: ignore[operator]
        try:
            status, content = _request(port, method, path, token, body)
        except OSError as exc:
            status, content = 0, str(exc).encode()
        phase.latencies.append((time.perf_counter() - scheduled) * 1000)
        if status not in ok:
            key = f"{status} {content[:120].decode(errors='replace')}"
            phase.errors[key] = phase.errors.get(key, 0) + 1

    # At most WORKERS requests in flight: each holds a database connection in the server, and the
    # database's connection limit is shared. A request waiting for a worker still counts its wait.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        start = time.perf_counter() + 0.05
        for i in range(total):
            scheduled = start + i / RATE
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.005:
                phase.late_starts += 1
            pool.submit(one, i, scheduled)
    return phase


def _summary(name: str, phase: Phase, cpu: float) -> str:
    lat = sorted(phase.latencies)
    n = len(lat)
    p95 = lat[max(0, int(n * 0.95) - 1)]
    return (f"  {name:<8} n={n:<5} errors={sum(phase.errors.values()):<4} p50={statistics.median(lat):7.1f} ms  "
            f"p95={p95:7.1f} ms  max={lat[-1]:7.1f} ms  server CPU/request={cpu * 1000 / n:6.2f} ms")


def run() -> None:
    # The server logs every request: to a file, since an unread pipe would fill and stall it.
    with tempfile.TemporaryFile() as log:
        _run(log)


def _run(log: IO[bytes]) -> None:
    token = _token()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "jijinan.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=log, env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", "/api/v1/health", token, None)[0] in (200, 503):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the server did not start: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.2)
        status, content = _request(port, "POST", "/api/v1/cases", token, _intake_body(0))
        if status in (404, 405):
            print(f"\n  intake load: POST /api/v1/cases is not there yet ({status}); skipped.", file=sys.stderr)
            return
        if status not in (200, 201):
            raise RuntimeError(f"a first intake failed: {status} {content[:500]!r}")
        for i in range(1, 20):  # warm both paths: imports, caches, connections
            _request(port, "POST", "/api/v1/cases", token, _intake_body(i))
            _request(port, "GET", "/api/v1/me", token, None)

        def trivial(i: int) -> tuple[str, str, None, set[int]]:
            return "GET", "/api/v1/me", None, {200}

        def intake(i: int) -> tuple[str, str, bytes, set[int]]:
            return "POST", "/api/v1/cases", _intake_body(1000 + i), {201}

        before = _tree_cpu_seconds(server.pid)
        plain = _run_phase(port, token, TRIVIAL_SECONDS, trivial)
        middle = _tree_cpu_seconds(server.pid)
        intakes = _run_phase(port, token, SECONDS, intake)
        after = _tree_cpu_seconds(server.pid)
        cpu_plain, cpu_intake = middle - before, after - middle
        per_plain = cpu_plain / max(1, len(plain.latencies))
        per_intake = cpu_intake / max(1, len(intakes.latencies))
        print(f"\n  intake load on {connection.vendor}: {RATE:g}/s for {SECONDS:g} s "
              f"(trivial GET /api/v1/me: {RATE:g}/s for {TRIVIAL_SECONDS:g} s)", file=sys.stderr)
        print(_summary("GET /me", plain, cpu_plain), file=sys.stderr)
        print(_summary("intake", intakes, cpu_intake), file=sys.stderr)
        ratio = per_intake / per_plain if per_plain else float("inf")
        print(f"  CPU per intake / CPU per trivial request = {ratio:.2f} (goal ≤ 2.5); "
              f"late starts of the sender: {plain.late_starts + intakes.late_starts}", file=sys.stderr)
        for key, count in list(intakes.errors.items())[:5] + list(plain.errors.items())[:5]:
            print(f"  error ×{count}: {key}", file=sys.stderr)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


CASES = [Case("intake_load_run", run, repeat=1, warmup=0, unit="run")]

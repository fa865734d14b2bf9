"""Audit: recording 1,000 events in one transaction against 1,000 plain inserts into the same
table; sealing 1,000 events against bulk-inserting them; verifying a chain against reading it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from benchlib import Case
from jijinan.audit.chain import verify_chain
from jijinan.audit.models import AuditEvent
from jijinan.audit.services import audit_record, audit_seal

N = 1000
VERIFY_N = 10_000
ACTION = "bench.change"
REGION = "320102002000"


def _plain(i: int) -> AuditEvent:
    return AuditEvent(action=ACTION, subject_type="bench.thing", subject_id=str(i),
                      subject_label=f"事物{i}", region_code=REGION,
                      changes={"amount_fen": [i, i + 100]}, occurred_at=timezone.now())


def _clean() -> None:
    AuditEvent.objects.filter(action=ACTION).delete()


def insert_rows() -> None:
    with transaction.atomic():
        for i in range(N):
            _plain(i).save()
    _clean()


def record_events() -> None:
    with transaction.atomic():
        for i in range(N):
            audit_record(actor=None, action=ACTION, subject_type="bench.thing", subject_id=str(i),
                         subject_label=f"事物{i}", region_code=REGION,
                         changes={"amount_fen": (i, i + 100)})
    _clean()


def bulk_insert() -> None:
    AuditEvent.objects.bulk_create([_plain(i) for i in range(N)])
    _clean()


def bulk_insert_and_seal() -> None:
    AuditEvent.objects.bulk_create([_plain(i) for i in range(N)])
    assert audit_seal().audit == N
    _clean()


def build_chain() -> None:
    _clean()
    AuditEvent.objects.bulk_create([_plain(i) for i in range(VERIFY_N)], batch_size=1000)
    audit_seal()


def read_chain() -> None:
    rows = list(AuditEvent.objects.filter(seq__isnull=False).order_by("seq").values())
    assert len(rows) >= VERIFY_N


def verify() -> None:
    verify_chain()


CASES = [
    Case("insert_1000_rows", insert_rows, repeat=10, warmup=1, unit=f"{N} rows"),
    Case("audit_record_1000", record_events, baseline="insert_1000_rows", repeat=10, warmup=1,
         unit=f"{N} events"),
    Case("bulk_insert_1000", bulk_insert, repeat=10, warmup=1, unit=f"{N} rows"),
    Case("bulk_insert_seal_1000", bulk_insert_and_seal, baseline="bulk_insert_1000", repeat=10,
         warmup=1, unit=f"{N} events"),
    Case("read_chain_10000", read_chain, setup=build_chain, repeat=5, warmup=1,
         unit=f"{VERIFY_N} rows"),
    Case("verify_chain_10000", verify, baseline="read_chain_10000", repeat=5, warmup=1,
         unit=f"{VERIFY_N} events"),
]

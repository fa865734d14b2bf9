"""The fast path of an import: department records go in with PostgreSQL's COPY (``cursor.copy``)
or, on SQLite, one ``executemany`` per chunk; persons and memberships through bulk_create."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from jijinan.core.protected import crypto
from jijinan.exchange.models import RECORD_ID_NUMBER_PURPOSE, DepartmentRecord

RECORD_COLUMNS = ("batch_id", "source", "kind", "person_id", "id_number", "id_number_index", "name",
                  "event_date", "amount_fen", "region_code", "data", "linkage", "row_number", "created_at")
# Columns of a row that have their own field; the rest go into ``data``.
OWN_FIELDS = frozenset({"id_number", "name", "event_date", "amount_fen", "region_code"})


def _json(values: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in values.items() if k not in OWN_FIELDS and v is not None},
                      cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def record_tuple(*, batch_id: int, source: str, kind: str, person_id: int | None, id_number: str,
                 id_index: str, values: dict[str, Any], region_code: str, linkage: str, row: int,
                 now: datetime) -> tuple[Any, ...]:
    amount = values.get("amount_fen")
    event_date: date | None = values.get("event_date")
    return (batch_id, source, kind, person_id,
            crypto.encrypt(id_number, purpose=RECORD_ID_NUMBER_PURPOSE) if id_number else None,
            id_index, (values.get("name") or "")[:50], event_date, amount, region_code, _json(values),
            linkage, row, now)


def insert_records(rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert department records in one statement stream, inside the caller's transaction."""
    if not rows:
        return
    table = connection.ops.quote_name(DepartmentRecord._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in RECORD_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(RECORD_COLUMNS))
            ops = connection.ops
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [  # noqa: S608
                (*r[:7], ops.adapt_datefield_value(r[7]), *r[8:13], ops.adapt_datetimefield_value(r[13]))
                for r in rows])

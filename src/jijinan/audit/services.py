"""Writes of the audit app: record events, refusals and sensitive reads; seal them into chains.

``audit_record`` and ``access_log_record`` only insert one row: no lock, no read, so they cost a
business transaction almost nothing and never make writers queue behind each other. The sealer
(``audit_seal``, run every few seconds by the worker) links committed rows into each chain.

Never put protected data in clear (ID numbers, bank accounts, phone numbers) into ``changes``,
``note`` or a label: pass masked values, or name the field in ``redact`` of ``changes_between``.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from jijinan.audit.chain import CHAINS, content_of, row_hash
from jijinan.audit.chain import verify_chain as verify_chain  # re-exported for callers
from jijinan.audit.choices import AccessKind, AuditOutcome, SealChain
from jijinan.audit.errors import AuditError, AuditErrorCode
from jijinan.audit.models import AccessLog, AuditEvent, SealState
from jijinan.core.context import current_request

ANONYMOUS_LABEL = "anonymous"  # actor_label of a refused attempt by someone not signed in
REDACTED = "***"
SEAL_FIELDS = ["seq", "prev_hash", "hash", "sealed_at"]
_REGION_CODE = re.compile(r"^\d{12}$")


# --- JSON-safe values -------------------------------------------------------------------------
def json_safe(value: Any) -> Any:
    """A value as it can be stored in a JSON column and hashed identically on every database.

    Dates and datetimes become ISO text (datetimes in UTC), Decimals and floats text (so no
    database rewrites their digits), model instances their primary key, enums their value.
    """
    if value is None or isinstance(value, bool | int | str):
        return value.replace("\x00", "") if isinstance(value, str) else value
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return value.astimezone(UTC).isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return json_safe(value.pk)
    if isinstance(value, UUID | Promise):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_safe(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any], *,
                    redact: Iterable[str] = ()) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs, as ``{field: (before, after)}`` with JSON-safe values.

    A field present on one side only counts as ``None`` on the other. A field named in
    ``redact`` is reported as changed without its values (``"***"``).
    """
    hidden = set(redact)
    result: dict[str, tuple[Any, Any]] = {}
    for name in sorted({*before, *after}):
        old, new = json_safe(before.get(name)), json_safe(after.get(name))
        if old != new:
            result[name] = (REDACTED, REDACTED) if name in hidden else (old, new)
    return result


# --- who, what, where ---------------------------------------------------------------------------
def _actor(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, ""
    if not getattr(actor, "is_authenticated", False):
        return None, ANONYMOUS_LABEL
    label = actor.display_name() if hasattr(actor, "display_name") else actor.get_username()
    return actor.pk, str(label)[:150]


def subject_key(subject: models.Model) -> tuple[str, str]:
    """How the audit names a record: ``("app_label.modelname", str(pk))``."""
    return subject._meta.label_lower, str(subject.pk)


def _subject(subject: Any, subject_type: str, subject_id: str, subject_label: str
             ) -> tuple[str, str, str]:
    if subject is not None:
        if not isinstance(subject, models.Model) or subject.pk is None:
            raise AuditError(_("审计对象必须是已保存的记录"), code=AuditErrorCode.INVALID_EVENT)
        kind, pk = subject_key(subject)
        subject_type, subject_id = subject_type or kind, subject_id or pk
        subject_label = subject_label or str(subject)
    if subject_id and not subject_type:
        raise AuditError(_("给出对象编号时必须同时给出对象类型"), code=AuditErrorCode.INVALID_EVENT)
    return subject_type[:100], str(subject_id)[:64], subject_label[:200]


def _region(region_code: str) -> str:
    if region_code and not _REGION_CODE.match(region_code):
        raise AuditError(_("区划代码应为 12 位数字：%(code)s") % {"code": region_code},
                         code=AuditErrorCode.INVALID_EVENT)
    return region_code


def _origin() -> tuple[str, str | None]:
    context = current_request()
    ip: str | None = None
    if context.ip:
        try:
            # Compressed lower-case form: PostgreSQL's inet would rewrite anything else.
            ip = ipaddress.ip_address(context.ip).compressed
        except ValueError:
            ip = None
    return context.request_id[:64], ip


def _action(action: str) -> str:
    if not action or len(action) > 100:
        raise AuditError(_("操作代码不能为空，且不超过 100 个字符"), code=AuditErrorCode.INVALID_EVENT)
    return action


def _changes(changes: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    stored: dict[str, list[Any]] = {}
    for name, pair in (changes or {}).items():
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise AuditError(_("变更内容应为 字段 → (修改前, 修改后)：%(field)s") % {"field": name},
                             code=AuditErrorCode.INVALID_EVENT)
        stored[str(name)] = [json_safe(pair[0]), json_safe(pair[1])]
    return stored


def _event_row(*, actor: Any, action: str, outcome: str, subject: Any, subject_type: str,
               subject_id: str, subject_label: str, region_code: str,
               changes: Mapping[str, Any] | None, note: str) -> AuditEvent:
    actor_id, actor_label = _actor(actor)
    subject_type, subject_id, subject_label = _subject(subject, subject_type, subject_id,
                                                       subject_label)
    request_id, ip = _origin()
    return AuditEvent(
        actor_id=actor_id, actor_label=actor_label, action=_action(action), outcome=outcome,
        subject_type=subject_type, subject_id=subject_id, subject_label=subject_label,
        region_code=_region(region_code), changes=_changes(changes), note=str(note),
        request_id=request_id, ip=ip, occurred_at=timezone.now(),
    )


def _event(**kwargs: Any) -> AuditEvent:
    row = _event_row(**kwargs)
    row.save(force_insert=True)
    return row


# --- recording ------------------------------------------------------------------------------------
def audit_record(
    *,
    actor: Any,
    action: str,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
    region_code: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> AuditEvent:
    """Record one change, inside the caller's transaction (it rolls back with the change).

    ``actor`` is the user, or None for the system. ``subject`` is the record (its type, id and
    label are taken from it), or give ``subject_type``/``subject_id``/``subject_label``.
    ``region_code`` is the 12-digit code of the region the record lives in: who may read the
    event depends on it (an event without one is visible to superusers only). The request id
    and client address come from the current request. Only inserts a row: no lock taken.
    """
    return _event(actor=actor, action=action, outcome=AuditOutcome.DONE, subject=subject,
                  subject_type=subject_type, subject_id=subject_id, subject_label=subject_label,
                  region_code=region_code, changes=changes, note=note)


def audit_record_many(records: Iterable[Mapping[str, Any]]) -> list[AuditEvent]:
    """Record many changes of a batch (a sweep's) at once, inside the caller's transaction: each
    record takes the keyword arguments of ``audit_record``; one INSERT for all of them."""
    rows = [_event_row(actor=r.get("actor"), action=r["action"], outcome=AuditOutcome.DONE,
                       subject=r.get("subject"), subject_type=r.get("subject_type", ""),
                       subject_id=r.get("subject_id", ""), subject_label=r.get("subject_label", ""),
                       region_code=r.get("region_code", ""), changes=r.get("changes"), note=r.get("note", ""))
            for r in records]
    return AuditEvent.objects.bulk_create(rows) if rows else rows


def refusal_record(
    *,
    actor: Any,
    action: str,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
    region_code: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
    reason: str,
) -> AuditEvent:
    """Record a refused attempt (outcome "refused", the reason as the note).

    Call it in its own transaction, *outside* the transaction of the refused change, so that
    the refusal survives that change's rollback::

        try:
            with transaction.atomic():
                thing_unmask(actor=user, ...)   # raises Forbidden, rolls back
        except Forbidden as exc:
            refusal_record(actor=user, action="registry.unmask", subject=person,
                           region_code=..., reason=str(exc.message))
            raise

    It opens a durable transaction, so calling it inside another transaction is an error
    (RuntimeError) rather than a refusal that silently vanishes with the rollback.
    """
    with transaction.atomic(durable=True):
        return _event(actor=actor, action=action, outcome=AuditOutcome.REFUSED, subject=subject,
                      subject_type=subject_type, subject_id=subject_id,
                      subject_label=subject_label, region_code=region_code, changes=changes,
                      note=str(reason))


def access_log_record(
    *,
    actor: Any,
    kind: str,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
    region_code: str = "",
    fields: list[str],
    purpose: str = "",
    rows: int | None = None,
) -> AccessLog:
    """Log one view, print, export or unmasking of protected or sensitive ``fields``.

    One row per record shown; an export or a system job logs once per run with ``rows`` =
    the number of records it read (and the subject, if any, naming what it read, e.g. a
    report). Append-only and sealed like the audit events.
    """
    if kind not in AccessKind.values:
        raise AuditError(_("访问方式应为 view、print、export 或 unmask：%(kind)s") % {"kind": kind},
                         code=AuditErrorCode.INVALID_EVENT)
    if not fields or not all(isinstance(f, str) and f for f in fields):
        raise AuditError(_("必须写明涉及的字段"), code=AuditErrorCode.INVALID_EVENT)
    if rows is not None and rows < 0:
        raise AuditError(_("记录数不能为负数"), code=AuditErrorCode.INVALID_EVENT)
    actor_id, actor_label = _actor(actor)
    subject_type, subject_id, subject_label = _subject(subject, subject_type, subject_id,
                                                       subject_label)
    request_id, ip = _origin()
    return AccessLog.objects.create(
        actor_id=actor_id, actor_label=actor_label, kind=kind, subject_type=subject_type,
        subject_id=subject_id, subject_label=subject_label, region_code=_region(region_code),
        fields=[f[:100] for f in fields], purpose=str(purpose)[:200], rows=rows,
        request_id=request_id, ip=ip, at=timezone.now(),
    )


# --- sealing ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SealResult:
    audit: int
    access: int

    @property
    def total(self) -> int:
        return self.audit + self.access


def _write_seals(model: type[AuditEvent] | type[AccessLog], rows: list[Any]) -> None:
    """One UPDATE per row by primary key, sent as one batch.

    ``bulk_update`` builds a CASE expression per field whose compilation cost most of a second
    per 1,000 rows; one parameterised statement run with ``executemany`` is portable and several
    times faster. Only rows still unsealed are touched, so a seal is never overwritten.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    wanted = {*SEAL_FIELDS, "id"}
    column = {f.name: quote(f.column or f.name) for f in meta.concrete_fields if f.name in wanted}
    # Identifiers come from the model's own metadata, quoted; every value is a parameter.
    sql = (f"UPDATE {quote(meta.db_table)} SET {column['seq']} = %s, {column['prev_hash']} = %s, "  # noqa: S608
           f"{column['hash']} = %s, {column['sealed_at']} = %s "
           f"WHERE {column['id']} = %s AND {column['seq']} IS NULL")
    params = [(row.seq, row.prev_hash, row.hash,
               connection.ops.adapt_datetimefield_value(row.sealed_at), row.pk) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _seal_batch(chain: str, *, batch_size: int) -> int:
    spec = CHAINS[chain]
    with transaction.atomic():
        # The seal state's row lock serialises sealers; writers of events never take it.
        state = SealState.objects.select_for_update().get(chain=chain)
        rows: list[Any] = list(spec.model.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
        if not rows:
            return 0
        sealed_at = timezone.now()
        seq, prev = state.last_seq, state.last_hash
        for row in rows:
            seq += 1
            row.seq, row.prev_hash, row.sealed_at = seq, prev, sealed_at
            row.hash = row_hash(prev, chain, content_of(spec, row))
            prev = row.hash
        _write_seals(spec.model, rows)
        state.last_seq, state.last_hash, state.sealed_at = seq, prev, sealed_at
        state.save(update_fields=["last_seq", "last_hash", "sealed_at"])
        return len(rows)


def audit_seal(*, batch_size: int = 1000, chains: Iterable[str] | None = None) -> SealResult:
    """Link every committed, unsealed row into its chain, in id order, a batch per transaction.

    A row committed late with a lower id than rows already sealed is simply sealed next: the
    chain's order is the order of sealing (``seq``), not of ids.
    """
    counts = {SealChain.AUDIT: 0, SealChain.ACCESS: 0}
    for chain in chains or list(CHAINS):
        SealState.objects.get_or_create(chain=chain)
        while True:
            sealed = _seal_batch(chain, batch_size=batch_size)
            counts[SealChain(chain)] += sealed
            if sealed < batch_size:
                break
    return SealResult(audit=counts[SealChain.AUDIT], access=counts[SealChain.ACCESS])

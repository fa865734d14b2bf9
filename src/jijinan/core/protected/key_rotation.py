"""Re-encrypt every protected column under the active key, in batches, resumable.

Every ``EncryptedTextField`` of every installed model is found by introspection, so a later app's
protected columns are rotated without being registered. A row is re-encrypted only while its
envelope names another key, so an interrupted run simply continues where it stopped. Columns
computed from a protected value's plaintext (the registry's partial indexes) are registered by
their app (``register_derived_columns``) and recomputed in the same update as the value they
come from, so a re-keyed row never carries an index of another key's making.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction

from jijinan.core.audit_hook import record_access, record_audit
from jijinan.core.protected import crypto
from jijinan.core.protected.fields import EncryptedTextField, Protected

# (model label, field name) → the columns to write beside a re-encrypted value, from its plaintext.
_derived: dict[tuple[str, str], Callable[[str], dict[str, Any]]] = {}


def register_derived_columns(model_label: str, field_name: str, derive: Callable[[str], dict[str, Any]]) -> None:
    """Have rotation recompute ``derive(plaintext)`` (column → value) with every re-encryption of
    ``model_label.field_name`` (``"registry.person"``, ``"id_number"``). Called at ``ready()``."""
    _derived[(model_label.lower(), field_name)] = derive


@dataclass(frozen=True)
class ProtectedColumn:
    model: type[models.Model]
    field: EncryptedTextField

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"


def protected_columns() -> list[ProtectedColumn]:
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append(ProtectedColumn(model, f))
    return sorted(found, key=lambda c: c.label)


@dataclass
class RotationReport:
    column: str
    examined: int = 0
    rotated: int = 0


def rotate_column(column: ProtectedColumn, *, batch_size: int = 500,
                  progress: Callable[[str, int, int], None] | None = None) -> RotationReport:
    """Re-encrypt one column; each batch is one transaction holding its rows locked."""
    model, field = column.model, column.field
    manager = model._default_manager
    not_null = {f"{field.attname}__isnull": False}
    total = manager.filter(**not_null).count()
    report = RotationReport(column.label)
    derive = _derived.get((model._meta.label_lower, field.name))
    last_pk = None
    while True:
        rows = manager.filter(**not_null).order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        with transaction.atomic():
            batch = list(rows.select_for_update().values_list("pk", field.attname)[:batch_size])
            if not batch:
                break
            for pk, value in batch:
                assert isinstance(value, Protected)
                if crypto.needs_rotation(value.envelope):
                    plaintext = crypto.decrypt(value.envelope, purpose=field.purpose)
                    fresh = crypto.encrypt(plaintext, purpose=field.purpose)
                    derived = derive(plaintext) if derive is not None else {}
                    manager.filter(pk=pk).update(**{field.attname: Protected(fresh, purpose=field.purpose)},
                                                 **derived)
                    report.rotated += 1
            report.examined += len(batch)
        last_pk = batch[-1][0]
        if progress:
            progress(column.label, report.examined, total)
    return report


def keys_rotate(*, batch_size: int = 500,
                progress: Callable[[str, int, int], None] | None = None) -> list[RotationReport]:
    """Rotate every protected column; logged once per run (not per row) and audited."""
    reports = [rotate_column(c, batch_size=batch_size, progress=progress) for c in protected_columns()]
    with transaction.atomic():
        record_audit(actor=None, action="system.keys.rotate", subject_type="core.crypto",
                     subject_id=crypto.active_key_id(),
                     changes={r.column: (None, r.rotated) for r in reports if r.rotated})
        if reports:
            record_access(actor=None, kind="view", subject_type="core.crypto",
                          subject_id=crypto.active_key_id(), fields=[r.column for r in reports],
                          purpose="密钥轮换 / key rotation", rows=sum(r.examined for r in reports))
    return reports

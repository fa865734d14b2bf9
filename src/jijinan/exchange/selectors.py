"""Reads of the exchange app, each scoped to the user: batches, their errors, the sources a user
may import."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jijinan.accounts.scopes import grant_scopes
from jijinan.core.permissions import Target, can, get_for_user, restrict
from jijinan.exchange.choices import ImportTarget
from jijinan.exchange.models import ImportBatch, ImportRowError
from jijinan.exchange.permissions import BATCH_IMPORT, BATCH_IMPORT_REGISTRY, BATCH_PATHS, BATCH_VIEW
from jijinan.exchange.sources import Source, all_sources


def batch_list_for_user(*, user: Any, source: str = "", status: str = "") -> QuerySet[ImportBatch]:
    batches = ImportBatch.objects.select_related("region", "created_by", "department_type").defer("preview")
    if source:
        batches = batches.filter(source=source)
    if status:
        batches = batches.filter(status=status)
    return restrict(batches, user, BATCH_VIEW, BATCH_PATHS)


def batch_get_for_user(*, user: Any, pk: int, action: str = BATCH_VIEW) -> ImportBatch:
    return get_for_user(ImportBatch.objects.select_related("region", "created_by", "department_type",
                                                           "committed_by", "undone_by"),
                        user, action, BATCH_PATHS, pk=pk)


def batch_errors(*, batch: ImportBatch) -> QuerySet[ImportRowError]:
    return ImportRowError.objects.filter(batch=batch).order_by("row", "id")


def sources_importable_by(*, user: Any) -> list[Source]:
    """The sources ``user`` may import somewhere (the region is checked when they upload)."""
    result = []
    for source in all_sources().values():
        target = Target(region_prefix=None, department_type=source.department_type)
        if not can(user, BATCH_IMPORT, target):
            continue
        if source.target != ImportTarget.EVENT and not can(user, BATCH_IMPORT_REGISTRY):
            continue
        if source.target == ImportTarget.EVENT and not _department_fits(user, source):
            continue
        result.append(source)
    return result


def _department_fits(user: Any, source: Source) -> bool:
    """A department handler's grants name their department type; only its sources are theirs."""
    if user.is_superuser:
        return True
    grants = [g for g in grant_scopes(user) if g.role in {"county_approver", "administrator",
                                                            "department_handler"}]
    return any(not g.department_type or g.department_type == source.department_type for g in grants)

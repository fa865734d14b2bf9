"""Error codes of the audit app."""

from __future__ import annotations

from enum import StrEnum

from jijinan.core.errors import DomainError


class AuditErrorCode(StrEnum):
    INVALID_EVENT = "audit_invalid_event"
    INVALID_FILTER = "audit_invalid_filter"


class AuditError(DomainError):
    """A caller passed something the audit cannot record (a programming error, answered 400)."""

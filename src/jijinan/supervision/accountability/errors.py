"""Error codes of accountability records (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class AccountabilityErrorCode(StrEnum):
    STALE = "stale_version"
    SUBJECT = "subject_not_found"
    REQUIRED = "field_required"

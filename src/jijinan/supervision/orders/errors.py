"""Error codes of 督办 orders (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class OrderErrorCode(StrEnum):
    STALE = "stale_version"
    STATUS = "invalid_status"
    DUPLICATE = "order_open_for_matter"
    OFFICE = "office_invalid"
    TEXT_REQUIRED = "text_required"
    SUBJECT = "subject_invalid"

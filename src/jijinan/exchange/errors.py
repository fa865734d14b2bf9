"""Error codes of the exchange app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class ExchangeErrorCode(StrEnum):
    UNKNOWN_SOURCE = "unknown_source"
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    FILE_ENCODING = "file_encoding"
    FILE_FORMAT = "file_format"
    FILE_CORRUPT = "file_corrupt"
    MISSING_COLUMN = "missing_column"
    EXTRA_COLUMN = "extra_column"
    DUPLICATE_COLUMN = "duplicate_column"
    FILE_CHANGED = "file_changed"
    INVALID_ROWS = "invalid_rows"
    NO_VALID_ROWS = "no_valid_rows"
    WRONG_STATUS = "wrong_status"
    UNDO_REFUSED = "undo_refused"
    INVALID_REGION = "invalid_region"
    STALE_VERSION = "stale_version"

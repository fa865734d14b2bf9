"""Error codes of the regions app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class RegionErrorCode(StrEnum):
    BAD_ENCODING = "bad_encoding"
    UNKNOWN = "unknown_region"
    RETIRED = "retired_region"
    HAS_ACTIVE_CHILDREN = "has_active_children"

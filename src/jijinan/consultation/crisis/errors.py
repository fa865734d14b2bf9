"""Error codes of the crisis intervention track (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class CrisisErrorCode(StrEnum):
    NOT_CRISIS = "not_a_crisis"
    RESOLVED = "crisis_resolved"
    ALREADY = "already_recorded"
    INVALID = "crisis_invalid"
    NO_PARAMETER = "crisis_no_parameter"

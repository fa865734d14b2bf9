"""Error codes of the filing of township approvals (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class FilingErrorCode(StrEnum):
    STALE = "stale_version"
    NOTHING_TO_DRAW = "nothing_to_draw"
    PERIOD = "period_invalid"
    SHARE = "share_invalid"
    COUNTY = "county_invalid"
    NOT_SAMPLED = "filing_not_sampled"
    NOTE_REQUIRED = "note_required"
    FINDING = "finding_invalid"

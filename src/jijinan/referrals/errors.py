"""Error codes of the referrals app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class ReferralErrorCode(StrEnum):
    STALE = "stale_version"
    INVALID_STATUS = "invalid_task_status"
    STAGE = "case_not_referrable"
    OFFICE = "office_invalid"
    REASON_REQUIRED = "reason_required"
    RESULT_REQUIRED = "result_required"
    DUPLICATE = "duplicate_task"
    FLAG_SETTLED = "flag_already_settled"
    FLAG_STATUS = "flag_status_invalid"
    OUTCOME_REQUIRED = "outcome_required"

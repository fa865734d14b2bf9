"""Error codes of the consultation app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class ConsultationErrorCode(StrEnum):
    STALE = "stale_version"
    STATUS = "invalid_status"
    ALREADY_ESCALATED = "already_escalated"
    CASE_STAGE = "case_stage"
    OFFICE = "office_invalid"
    NO_INVITATIONS = "no_invitations"
    NO_DUTIES = "no_duties"
    AMOUNT = "amount_invalid"
    REASON_REQUIRED = "reason_required"
    NO_GOVERNMENT = "no_government"

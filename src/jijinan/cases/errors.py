"""Error codes of the cases app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class CaseErrorCode(StrEnum):
    UNKNOWN_SUBJECT = "unknown_subject"
    UNKNOWN_REGION = "unknown_region"
    REGION_LEVEL = "region_level"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_NEED = "unknown_need"
    FUTURE_EVENT = "future_event"
    CLIENT_KEY_REUSED = "client_key_reused"
    BAD_ATTACHMENT = "bad_attachment"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    NEW_PERSON_NOT_ALLOWED = "new_person_not_allowed"
    ON_CALL_NOT_COVERED = "on_call_not_covered"
    # The stage line (cases.workflow).
    STALE = "stale_version"
    INVALID_TRANSITION = "invalid_transition"
    REASON_REQUIRED = "reason_required"
    NEEDS_CONSULTATION = "needs_consultation"
    ABOVE_AUTHORITY = "above_authority"
    NOTICE_RUNNING = "public_notice_running"
    OBJECTION_OPEN = "objection_open"
    OBJECTION_UPHELD = "objection_upheld"
    NOTICE_OVER = "public_notice_over"
    PAPERWORK_OWED = "paperwork_owed"
    INELIGIBLE = "ineligible"
    UNIDENTIFIED = "subject_unidentified"
    MEANS_MISSING = "means_missing"
    SUBJECT_IDENTIFIED = "subject_identified"
    AMOUNT = "amount_invalid"
    TRANSFER_TARGET = "transfer_target"
    CLOSE_BLOCKED = "close_blocked"
    CLOSE_REASON_REQUIRED = "close_reason_required"
    WORK_ORDER_EXISTS = "work_order_exists"
    # Aid and its payments (cases.aid).
    PAYMENT_STATUS = "payment_status"
    INSTALMENTS_PAST_YEAR = "instalments_past_year"
    # The public notice board (cases.public_notices).
    NOTICE_BOARD_REGION = "notice_board_region"

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

"""Error codes of the verification app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class VerificationErrorCode(StrEnum):
    NO_AUTHORISATION = "no_authorisation"
    AUTHORISATION_EXPIRED = "authorisation_expired"
    AUTHORISATION_REVOKED = "authorisation_revoked"
    MISSING_SIGNATORY = "missing_signatory"
    NOT_A_MEMBER = "not_a_member"
    BAD_DATE = "bad_date"
    BAD_DOCUMENT = "bad_document"
    DOCUMENT_TOO_LARGE = "document_too_large"
    NO_PARAMETER = "no_parameter"
    ALREADY_PENDING = "already_pending"
    NOT_PENDING = "not_pending"
    BAD_FACTS = "bad_facts"
    NOTHING_TO_REPORT = "nothing_to_report"
    SOURCES_MISSING = "sources_missing"
    STALE_VERSION = "stale_version"
    INVALID_FILTER = "invalid_filter"

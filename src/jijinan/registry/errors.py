"""Error codes of the registry (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    ID_CONTRADICTION = "id_contradiction"
    INVALID_REGION_CODE = "invalid_region_code"
    REGION_LEVEL = "region_level"
    TWO_HEADS = "two_heads"
    NO_HEAD = "no_head"
    ALREADY_IN_HOUSEHOLD = "already_in_household"
    NOT_A_MEMBER = "not_a_member"
    HEAD_CANNOT_LEAVE = "head_cannot_leave"
    OVERLAPPING_MEMBERSHIP = "overlapping_membership"
    PROGRAM_SUBJECT = "program_subject"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    INVALID_SEARCH = "invalid_search"
    STALE_VERSION = "stale_version"

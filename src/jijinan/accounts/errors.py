"""Error codes of the accounts app (people read the messages; programs read these)."""

from __future__ import annotations

from enum import StrEnum


class AccountErrorCode(StrEnum):
    DUPLICATE = "duplicate"
    STALE = "stale_version"
    UNKNOWN_DEPARTMENT_TYPE = "unknown_department_type"
    INACTIVE_DEPARTMENT_TYPE = "inactive_department_type"
    INVALID_USCC = "invalid_uscc"
    UNKNOWN_ROLE = "unknown_role"
    WEAK_PASSWORD = "weak_password"  # noqa: S105  (an error code, not a password)
    PASSWORD_LETTERS_DIGITS = "password_letters_digits"  # noqa: S105
    WRONG_PASSWORD = "wrong_password"  # noqa: S105
    NO_VALUE = "no_value"
    LOCKED = "locked"
    NOT_FOUND = "not_found"
    REGION_LEVEL = "region_level"
    NOT_GOVERNMENT_OFFICE = "not_government_office"
    OUTSIDE_OFFICE = "outside_office"

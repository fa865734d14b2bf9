"""Error codes of the policy app and the "no value in force" refusal."""

from __future__ import annotations

from enum import StrEnum

from jijinan.core.errors import DomainError, NotFound


class PolicyErrorCode(StrEnum):
    UNKNOWN_PARAMETER = "policy_unknown_parameter"
    NO_VALUE = "policy_no_value"
    BAD_VALUE = "policy_bad_value"
    BAD_REGION = "policy_bad_region"
    BAD_DATES = "policy_bad_dates"
    BACKDATED = "policy_backdated"
    OVERLAP = "policy_overlap"
    NOT_PENDING = "policy_not_pending"
    WITHDRAWN = "policy_withdrawn"
    STALE = "stale_version"
    BAD_DEFINITION = "policy_bad_definition"
    BAD_INPUT = "policy_bad_input"
    UNKNOWN_PROGRAM = "policy_unknown_program"


class NoValueInForce(NotFound):
    """No version of the parameter is in force for the region (or any of its ancestors) that day."""

    def __init__(self, message: str, *, name: str, region_code: str, on: object) -> None:
        super().__init__(message, code=PolicyErrorCode.NO_VALUE, field_errors={"on": [message]})
        self.name = name
        self.region_code = region_code
        self.on = on


class CalculatorInputError(DomainError):
    """A calculator was given an impossible input (negative income, no members, an age over 150)."""

    @classmethod
    def on(cls, field: str, message: str) -> CalculatorInputError:
        return cls(message, code=PolicyErrorCode.BAD_INPUT, field_errors={field: [message]})

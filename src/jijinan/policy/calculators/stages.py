"""Stage limits per program: how long each step of a case may take, from the parameters."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program
from jijinan.policy.errors import CalculatorInputError, PolicyErrorCode
from jijinan.policy.values import Duration


class Stage:
    """The steps a limit applies to (names of the case stage line where one exists)."""

    REVIEWED = "reviewed"  # township review / investigation, from acceptance
    PUBLIC_NOTICE = "public_notice"
    APPROVED = "approved"  # approval / confirmation, from review
    REFUSAL_NOTICE = "refusal_notice"  # written refusal, from the decision
    CASE = "case"  # the whole case, from acceptance
    FAST_TRACK = "fast_track"  # aid paid, from acceptance
    MAKEUP_PAPERWORK = "makeup_paperwork"  # after the emergency ends
    FOLLOW_UP = "follow_up"  # after aid is delivered


FOLLOW_UP = "case_handling.follow_up_limit"
STAGE_PARAMETERS: dict[str, dict[str, str]] = {
    Program.TEMPORARY_ASSISTANCE: {
        Stage.REVIEWED: "temporary_assistance.review_limit",
        Stage.PUBLIC_NOTICE: "temporary_assistance.public_notice_period",
        Stage.APPROVED: "temporary_assistance.approval_limit",
        Stage.CASE: "temporary_assistance.case_limit",
        Stage.FAST_TRACK: "temporary_assistance.aid_limit",
        Stage.MAKEUP_PAPERWORK: "temporary_assistance.makeup_paperwork_limit",
        Stage.FOLLOW_UP: FOLLOW_UP,
    },
    Program.DIBAO: {
        Stage.REVIEWED: "dibao.township_opinion_limit",
        Stage.PUBLIC_NOTICE: "dibao.public_notice_period",
        Stage.APPROVED: "dibao.county_confirmation_limit",
        Stage.REFUSAL_NOTICE: "dibao.refusal_notice_limit",
        Stage.FOLLOW_UP: FOLLOW_UP,
    },
    Program.TEKUN: {
        Stage.REVIEWED: "tekun.investigation_limit",
        Stage.PUBLIC_NOTICE: "tekun.public_notice_period",
        Stage.APPROVED: "tekun.confirmation_limit",
        Stage.REFUSAL_NOTICE: "tekun.refusal_notice_limit",
        Stage.FOLLOW_UP: FOLLOW_UP,
    },
    Program.MEDICAL_ASSISTANCE: {Stage.FOLLOW_UP: FOLLOW_UP},
    Program.LOW_INCOME: {},  # a classification, not a case
}


def stage_limits(program: str, params: Params) -> dict[str, Duration]:
    """Each stage's time limit for ``program``, from the parameters in force."""
    names = STAGE_PARAMETERS.get(program)
    if names is None:
        raise CalculatorInputError(_("未知的救助项目：%(program)s") % {"program": program},
                                   code=PolicyErrorCode.UNKNOWN_PROGRAM,
                                   field_errors={"program": [_("未知的救助项目：%(program)s") % {"program": program}]})
    return {stage: params.duration(name) for stage, name in names.items()}

"""Calculators: pure functions over typed inputs that return a result and its explanation.

Public interface (everything a decision record or an API needs)::

    params = params_for(region_code, on)            # Params: lookup.value on first use of each name
    params = Params.from_values([...], region_code=..., on=...)  # in memory (tests), no database
    result = evaluate(program, inputs, params)      # pure: no query, nothing saved
    result = evaluate_in_force(program, inputs)     # = evaluate(program, inputs, params_for(...))
    limits = stage_limits(program, params)          # {stage: Duration}

``program`` is a :class:`jijinan.policy.choices.Program` value among ``PROGRAMS`` (dibao, tekun,
low_income, temporary_assistance, medical_assistance); ``inputs`` is that program's frozen input
dataclass (``PROGRAMS[program].input_type``). Every result is a :class:`CalculationResult`:
``program``, ``calculator_version``, ``outcome`` (a code), ``eligible``, ``amount_fen`` (integer
fen, rounded half up once) and ``explanation`` (one :class:`Line` per criterion: rule, label and
value used in Chinese and English, cited parameter versions, passed True/False/None), plus its
program's own figures; ``result.to_record()`` is JSON-safe and holds every parameter version used.

Refusals: an impossible input raises :class:`CalculatorInputError` (400, code
``policy_bad_input``, ``field_errors`` keyed by the field path, message in Chinese naming the
field); a parameter without a value that day raises :class:`NoValueInForce` (404, field ``on``);
an unknown program raises ``CalculatorInputError`` with code ``policy_unknown_program``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from jijinan.policy.calculators.common import CalculationResult
from jijinan.policy.calculators.dibao import DibaoOutcome, DibaoResult, calculate_dibao
from jijinan.policy.calculators.explain import Explanation, Line, ParameterRef, Text
from jijinan.policy.calculators.inputs import (
    Activity,
    AssistanceKind,
    Cause,
    DibaoInput,
    Disability,
    Expense,
    Household,
    LowIncomeInput,
    MedicalAssistanceInput,
    MedicalCategory,
    Member,
    RigidExpenses,
    Severity,
    Supporter,
    TekunInput,
    TemporaryAssistanceInput,
)
from jijinan.policy.calculators.low_income import LowIncomeOutcome, LowIncomeResult, calculate_low_income
from jijinan.policy.calculators.medical_assistance import (
    MedicalAssistanceResult,
    MedicalOutcome,
    calculate_medical_assistance,
)
from jijinan.policy.calculators.params import Params, params_for
from jijinan.policy.calculators.property import PropertyFacts, Vehicle, VehicleUse
from jijinan.policy.calculators.stages import STAGE_PARAMETERS, Stage, stage_limits
from jijinan.policy.calculators.tekun import CareLevel, TekunOutcome, TekunResult, calculate_tekun
from jijinan.policy.calculators.temporary_assistance import (
    Approver,
    TemporaryAssistanceResult,
    TemporaryOutcome,
    calculate_temporary_assistance,
)
from jijinan.policy.choices import Program
from jijinan.policy.errors import CalculatorInputError, NoValueInForce, PolicyErrorCode

from . import dibao, low_income, medical_assistance, tekun, temporary_assistance


@dataclass(frozen=True)
class ProgramCalculator:
    """One program's calculator: its input and result types, the function, its version."""

    program: str
    label: Text
    version: str
    input_type: type
    result_type: type[CalculationResult]
    calculate: Callable[[Any, Params], CalculationResult]


PROGRAMS: dict[str, ProgramCalculator] = {
    c.program: c for c in (
        ProgramCalculator(Program.DIBAO, Text("最低生活保障", "Minimum living allowance (dibao)"),
                          dibao.CALCULATOR_VERSION, DibaoInput, DibaoResult, calculate_dibao),
        ProgramCalculator(Program.TEKUN, Text("特困人员救助供养", "Support for the extremely poor (tekun)"),
                          tekun.CALCULATOR_VERSION, TekunInput, TekunResult, calculate_tekun),
        ProgramCalculator(Program.LOW_INCOME, Text("低收入人口认定", "Low-income classification"),
                          low_income.CALCULATOR_VERSION, LowIncomeInput, LowIncomeResult, calculate_low_income),
        ProgramCalculator(Program.TEMPORARY_ASSISTANCE, Text("临时救助", "Temporary assistance"),
                          temporary_assistance.CALCULATOR_VERSION, TemporaryAssistanceInput,
                          TemporaryAssistanceResult, calculate_temporary_assistance),
        ProgramCalculator(Program.MEDICAL_ASSISTANCE, Text("医疗救助", "Medical assistance"),
                          medical_assistance.CALCULATOR_VERSION, MedicalAssistanceInput, MedicalAssistanceResult,
                          calculate_medical_assistance),
    )
}


def calculator(program: str) -> ProgramCalculator:
    found = PROGRAMS.get(program)
    if found is None:
        message = _("未知的救助项目：%(program)s") % {"program": program}
        raise CalculatorInputError(message, code=PolicyErrorCode.UNKNOWN_PROGRAM, field_errors={"program": [message]})
    return found


def evaluate(program: str, inputs: Any, params: Params) -> CalculationResult:
    """Run ``program``'s calculator on ``inputs`` with ``params``: pure, no query, nothing saved."""
    entry = calculator(program)
    if not isinstance(inputs, entry.input_type):
        message = _("%(program)s 的输入应为 %(type)s") % {"program": program, "type": entry.input_type.__name__}
        raise CalculatorInputError(message, code=PolicyErrorCode.BAD_INPUT, field_errors={"inputs": [message]})
    return entry.calculate(inputs, params)


def evaluate_in_force(program: str, inputs: Any) -> CalculationResult:
    """``evaluate`` with the parameters in force for the inputs' region on their evaluation day."""
    calculator(program)
    region: str = inputs.region_code
    on: date = inputs.on
    return evaluate(program, inputs, params_for(region, on))


__all__ = [
    "PROGRAMS", "STAGE_PARAMETERS", "Activity", "Approver", "AssistanceKind", "CalculationResult",
    "CalculatorInputError", "CareLevel", "Cause", "DibaoInput", "DibaoOutcome", "DibaoResult", "Disability",
    "Expense", "Explanation", "Household", "Line", "LowIncomeInput", "LowIncomeOutcome", "LowIncomeResult",
    "MedicalAssistanceInput", "MedicalAssistanceResult", "MedicalCategory", "MedicalOutcome", "Member",
    "NoValueInForce", "ParameterRef", "Params", "ProgramCalculator", "PropertyFacts", "RigidExpenses",
    "Severity", "Stage", "Supporter", "TekunInput", "TekunOutcome", "TekunResult", "TemporaryAssistanceInput",
    "TemporaryAssistanceResult", "TemporaryOutcome", "Text", "Vehicle", "VehicleUse", "calculator", "evaluate",
    "evaluate_in_force", "params_for", "stage_limits",
]

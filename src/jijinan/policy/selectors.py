"""Reads of policy parameters: definitions, version histories, values in force, comparisons.

Parameters are reference data every member of staff may read (``policy.view``, anywhere);
versions are still read through ``restrict`` so that the scope model stays in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import ScopePaths, get_for_user, restrict
from jijinan.core.vocabulary import english_active
from jijinan.policy.choices import PROGRAM_ORDER, VersionStatus
from jijinan.policy.errors import PolicyErrorCode
from jijinan.policy.lookup import ParameterValue, all_tables, region_chain
from jijinan.policy.models import Decision, ParameterDefinition, ParameterVersion
from jijinan.policy.permissions import DECISION_VIEW, POLICY_VIEW
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region

VERSION_PATHS = ScopePaths(region="region")
DEFINITION_PATHS = ScopePaths()


def definition_list_for_user(*, user: Any, program: str | None = None, q: str = ""
                             ) -> QuerySet[ParameterDefinition]:
    definitions = restrict(ParameterDefinition.objects.all(), user, POLICY_VIEW, DEFINITION_PATHS)
    if program:
        definitions = definitions.filter(program=program)
    if q.strip():
        text = q.strip()
        definitions = definitions.filter(Q(name__icontains=text) | Q(label__icontains=text)
                                         | Q(label_en__icontains=text))
    return definitions.annotate(
        version_count=Count("versions", filter=Q(versions__withdrawn_at__isnull=True))
    ).order_by("sort_order", "name")


def definition_get_for_user(*, user: Any, name: str) -> ParameterDefinition:
    found = restrict(ParameterDefinition.objects.all(), user, POLICY_VIEW, DEFINITION_PATHS) \
        .filter(name=name).first()
    if found is None:
        raise NotFound(_("没有名为 %(name)s 的政策参数") % {"name": name},
                       code=PolicyErrorCode.UNKNOWN_PARAMETER)
    return found


def status_filter(status: str, *, today: date) -> Q:
    live = Q(withdrawn_at__isnull=True)
    if status == VersionStatus.PENDING:
        return live & Q(effective_from__gt=today)
    if status == VersionStatus.IN_FORCE:
        return live & Q(effective_from__lte=today) & (Q(effective_to__isnull=True) | Q(effective_to__gt=today))
    if status == VersionStatus.ENDED:
        return live & Q(effective_to__lte=today)
    if status == VersionStatus.WITHDRAWN:
        return Q(withdrawn_at__isnull=False)
    raise DomainError.for_field("status", _("状态应为 in_force、pending、ended 或 withdrawn"))


def version_list_for_user(*, user: Any, name: str | None = None, region_code: str | None = None,
                          chain: bool = False, status: str | None = None, today: date | None = None
                          ) -> QuerySet[ParameterVersion]:
    """Versions, newest start first within each parameter; ``chain`` adds the region's ancestors
    (the versions that can apply to it)."""
    versions = restrict(ParameterVersion.objects.select_related(
        "definition", "region", "author", "withdrawn_by", "supersedes"), user, POLICY_VIEW, VERSION_PATHS)
    if name:
        versions = versions.filter(definition__name=name)
    if region_code:
        codes = list(region_chain(region_code)) if chain else [region_code]
        if chain and region_code not in codes:
            codes.insert(0, region_code)
        versions = versions.filter(region__code__in=codes)
    if status:
        versions = versions.filter(status_filter(status, today=today or today_local()))
    return versions.order_by("definition__sort_order", "definition__name", "region__code",
                             "-effective_from", "-id")


def version_get_for_user(*, user: Any, pk: int, action: str = POLICY_VIEW) -> ParameterVersion:
    return get_for_user(ParameterVersion.objects.select_related(
        "definition", "region", "author", "withdrawn_by", "supersedes"), user, action, VERSION_PATHS, pk=pk)


def version_region_choices() -> QuerySet[Region]:
    """The regions a version may be set for: province, cities, counties in use."""
    return Region.objects.filter(
        level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY],
        valid_to__isnull=True).order_by("code")


def region_for_lookup(code: str) -> Region:
    region_chain(code)  # the format
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise DomainError.for_field("region", _("区划代码 %(code)s 不存在") % {"code": code},
                                    code=PolicyErrorCode.BAD_REGION)
    return region


@dataclass(frozen=True)
class ValueRow:
    definition: ParameterDefinition
    value: ParameterValue | None
    region_name: str = ""  # the region whose version applied


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def values_for_region(*, user: Any, region_code: str, on: date) -> list[ValueRow]:
    """Every parameter (in display order) with its value in force for the region on the day."""
    definitions = list(definition_list_for_user(user=user))
    tables = all_tables()
    found = {d.name: tables[d.name].find(region_code, on) if d.name in tables else None for d in definitions}
    names = _region_names({v.region_code for v in found.values() if v})
    rows = []
    for d in definitions:
        value = found[d.name]
        rows.append(ValueRow(d, value, names.get(value.region_code, "") if value else ""))
    return sorted(rows, key=lambda r: (PROGRAM_ORDER.get(r.definition.program, 99), r.definition.sort_order,
                                       r.definition.name))


@dataclass(frozen=True)
class CompareRow:
    definition: ParameterDefinition
    a: ParameterValue | None
    b: ParameterValue | None
    a_region_name: str = ""
    b_region_name: str = ""

    @property
    def sides(self) -> list[tuple[ParameterValue | None, str]]:
        return [(self.a, self.a_region_name), (self.b, self.b_region_name)]

    @property
    def version_changed(self) -> bool:
        return (self.a.version_id if self.a else None) != (self.b.version_id if self.b else None)

    @property
    def value_changed(self) -> bool:
        return (self.a.stored if self.a else None) != (self.b.stored if self.b else None)


def compare_for_region(*, user: Any, region_code: str, date_a: date, date_b: date,
                       changed_only: bool = False) -> list[CompareRow]:
    """Every parameter's value for the region on two days, with the versions used."""
    definitions = list(definition_list_for_user(user=user))
    tables = all_tables()
    pairs = {d.name: (tables[d.name].find(region_code, date_a), tables[d.name].find(region_code, date_b))
             if d.name in tables else (None, None) for d in definitions}
    names = _region_names({v.region_code for pair in pairs.values() for v in pair if v})
    rows = []
    for d in definitions:
        a, b = pairs[d.name]
        row = CompareRow(d, a, b, names.get(a.region_code, "") if a else "", names.get(b.region_code, "") if b else "")
        if not changed_only or row.version_changed:
            rows.append(row)
    return sorted(rows, key=lambda r: (PROGRAM_ORDER.get(r.definition.program, 99), r.definition.sort_order,
                                       r.definition.name))


# --- decision records ---------------------------------------------------------------------------------

DECISION_PATHS = ScopePaths(region="region")


def decision_inputs(program: str, data: Any) -> Any:
    """``program``'s typed inputs from their JSON form (API body, stored snapshot); a field that does
    not fit is refused by its path (``inputs.household.members[0].birth_date``)."""
    from jijinan.core.snapshot import SnapshotError, from_json
    from jijinan.policy.calculators import calculator
    from jijinan.policy.errors import CalculatorInputError

    entry = calculator(program)
    try:
        return from_json(entry.input_type, data, path="inputs")
    except SnapshotError as exc:
        raise CalculatorInputError.on(exc.field, exc.message) from exc


def decision_list_for_user(*, user: Any, program: str | None = None, outcome: str | None = None,
                           region_code: str | None = None) -> QuerySet[Decision]:
    """The decision records in the user's area, newest first."""
    qs = restrict(Decision.objects.select_related("region", "created_by"), user, DECISION_VIEW,
                  DECISION_PATHS)
    if program:
        qs = qs.filter(program=program)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if region_code:
        prefix = Region.objects.filter(code=region_code).values_list("prefix", flat=True).first()
        qs = qs.filter(region__prefix__startswith=prefix) if prefix is not None else qs.none()
    return qs.order_by("-created_at", "-id")


def decision_get_for_user(*, user: Any, pk: int) -> Decision:
    return get_for_user(Decision.objects.select_related("region", "created_by"), user, DECISION_VIEW,
                        DECISION_PATHS, pk=pk)


@dataclass(frozen=True)
class LineChange:
    rule: str
    label: str
    before: str
    after: str
    passed_before: bool | None
    passed_after: bool | None


@dataclass(frozen=True)
class Recalculation:
    """A stored decision computed again: with its own parameter versions (``reproduce``) or with
    those in force on another day (``what if``), and what differs from the stored answer."""

    result: Any  # CalculationResult
    on: date  # the day whose parameters applied
    same: bool  # outcome, amount and every line equal to the stored decision
    outcome_before: str
    amount_before_fen: int
    calculator_changed: bool  # the calculator's version today differs from the stored one
    line_changes: tuple[LineChange, ...]
    parameter_changes: tuple[tuple[str, Any, Any], ...]  # (name, stored version id, new version id)


def _compare(decision: Decision, result: Any, on: date) -> Recalculation:
    en = english_active()
    stored = {line["rule"]: line for line in decision.result["explanation"]["lines"]}
    fresh = {line.rule: line for line in result.explanation.lines}
    changes: list[LineChange] = []
    for rule in [*stored, *[r for r in fresh if r not in stored]]:
        old, new = stored.get(rule), fresh.get(rule)
        old_value = (old["value_en"] if en else old["value_zh"]) if old else ""
        new_value = new.value() if new else ""
        if old is None or new is None or old_value != new_value or old["passed"] != new.passed:
            label = new.label() if new else (old["label_en"] if en else old["label_zh"]) if old else rule
            changes.append(LineChange(rule=rule, label=label, before=old_value, after=new_value,
                                      passed_before=old["passed"] if old else None,
                                      passed_after=new.passed if new else None))
    before = {p["name"]: p["version_id"] for p in decision.parameters}
    after = {p.name: p.version_id for p in result.explanation.parameters}
    parameter_changes = tuple((name, before.get(name), after.get(name)) for name in sorted({*before, *after})
                              if before.get(name) != after.get(name))
    same = (not changes and result.outcome == decision.outcome and result.amount_fen == decision.amount_fen)
    return Recalculation(result=result, on=on, same=same, outcome_before=decision.outcome,
                         amount_before_fen=decision.amount_fen,
                         calculator_changed=result.calculator_version != decision.calculator_version,
                         line_changes=tuple(changes), parameter_changes=parameter_changes)


def decision_reproduce(*, decision: Decision) -> Recalculation:
    """The decision computed again from its stored inputs with exactly the parameter versions it
    cited: on appeal this shows the answer was the rules' answer, not a clerk's."""
    from jijinan.policy.calculators import Params, evaluate
    from jijinan.policy.lookup import values_of_versions

    inputs = decision_inputs(decision.program, decision.inputs)
    values = values_of_versions(p["version_id"] for p in decision.parameters)
    params = Params.from_values(values, region_code=inputs.region_code, on=inputs.on)
    return _compare(decision, evaluate(decision.program, inputs, params), inputs.on)


def decision_what_if(*, decision: Decision, on: date | None = None) -> Recalculation:
    """The decision's inputs under the parameters in force on ``on`` (today by default): what would
    change if it were decided now."""
    from jijinan.policy.calculators import evaluate, params_for

    day = on or today_local()
    inputs = decision_inputs(decision.program, decision.inputs)
    params = params_for(inputs.region_code, day)
    return _compare(decision, evaluate(decision.program, inputs, params), day)


def decision_evaluate_for_user(*, user: Any, program: str, inputs: Any) -> Any:
    """Evaluate without keeping anything (the window calculator's preview); the inputs' region must
    lie in the user's area."""
    from jijinan.core.permissions import Target, require
    from jijinan.policy.calculators import evaluate_in_force
    from jijinan.policy.permissions import POLICY_EVALUATE

    code = inputs.region_code
    region = Region.objects.filter(code=code).first()
    if region is None:
        message = _("区划代码 %(code)s 不存在") % {"code": code}
        raise DomainError(message, code=PolicyErrorCode.BAD_REGION, field_errors={"region_code": [message]})
    require(user, POLICY_EVALUATE, Target(region_prefix=region.prefix))
    return evaluate_in_force(program, inputs)

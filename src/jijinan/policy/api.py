"""API of policy parameters: definitions, versions (history), values in force, comparisons, edits."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.calendar.workdays import today_local
from jijinan.core.permissions import requires
from jijinan.policy import selectors, services
from jijinan.policy.choices import Program
from jijinan.policy.lookup import ParameterValue, value
from jijinan.policy.models import Decision, ParameterDefinition, ParameterVersion
from jijinan.policy.permissions import DECISION_VIEW, POLICY_EVALUATE, POLICY_MANAGE, POLICY_VIEW
from jijinan.policy.values import display

router = Router(tags=["policy"])

REGION = r"^\d{12}$"


class DefinitionOut(Schema):
    name: str
    label: str
    label_en: str
    program: str
    program_label: str
    section: str
    kind: str
    kind_label: str
    unit: str
    unit_en: str
    allowed_units: list[str]
    description: str
    version: int = Field(..., description="每次新增或撤回版本时加 1 / bumped by every change")

    @staticmethod
    def resolve_program_label(obj: ParameterDefinition) -> str:
        return str(obj.get_program_display())

    @staticmethod
    def resolve_kind_label(obj: ParameterDefinition) -> str:
        return str(obj.get_kind_display())


class VersionOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    value: Any = Field(..., description="存储形式：金额为分 / stored form: money in fen")
    value_display: str
    effective_from: date
    effective_to: date | None = Field(..., description="不含当日 / exclusive")
    status: str
    citation: str
    document_number: str
    url: str
    basis: str
    note: str
    author: str | None
    created_at: datetime
    supersedes_id: int | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdraw_reason: str

    @staticmethod
    def resolve_name(obj: ParameterVersion) -> str:
        return obj.definition.name

    @staticmethod
    def resolve_region_code(obj: ParameterVersion) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: ParameterVersion) -> str:
        return obj.region.name

    @staticmethod
    def resolve_value_display(obj: ParameterVersion) -> str:
        return display(obj.definition.kind, obj.value, obj.definition.display_unit())

    @staticmethod
    def resolve_status(obj: ParameterVersion) -> str:
        return str(obj.status_on(today_local()))

    @staticmethod
    def resolve_author(obj: ParameterVersion) -> str | None:
        return obj.author.display_name() if obj.author else None

    @staticmethod
    def resolve_withdrawn_by(obj: ParameterVersion) -> str | None:
        return obj.withdrawn_by.display_name() if obj.withdrawn_by else None


class ValueOut(Schema):
    name: str
    value: Any = Field(..., description="存储形式：金额为分 / stored form: money in fen")
    value_display: str
    version_id: int
    region_code: str = Field(..., description="取值所在区划（本级或上级）/ the region whose version applied")
    effective_from: date
    effective_to: date | None
    citation: str


def _value_out(found: ParameterValue | None) -> ValueOut | None:
    if found is None:
        return None
    return ValueOut(name=found.name, value=found.stored, value_display=found.display(),
                    version_id=found.version_id, region_code=found.region_code,
                    effective_from=found.effective_from, effective_to=found.effective_to,
                    citation=found.citation)


class DefinitionFilters(Schema):
    program: str | None = Field(None, description="所属项目 / program")
    q: str = Field("", max_length=50)


@router.get("/policy/parameters", response={200: list[DefinitionOut], **ERROR_RESPONSES},
            summary="政策参数 / parameter definitions")
@requires(POLICY_VIEW)
@paginate(PagePagination)
def list_parameters(request: HttpRequest, filters: Query[DefinitionFilters]):
    program = filters.program if filters.program in Program.values else None
    return selectors.definition_list_for_user(user=request.user, program=program, q=filters.q)


@router.get("/policy/parameters/{name}", response={200: DefinitionOut, **ERROR_RESPONSES},
            summary="参数定义 / one definition")
@requires(POLICY_VIEW)
def get_parameter(request: HttpRequest, name: str) -> ParameterDefinition:
    return selectors.definition_get_for_user(user=request.user, name=name)


class ValueQuery(Schema):
    region: str = Field(..., pattern=REGION, description="12 位区划代码 / region code")
    on: date | None = Field(None, description="日期，默认今天 / day, default today")


@router.get("/policy/parameters/{name}/value", response={200: ValueOut, **ERROR_RESPONSES},
            summary="某区划某日生效的取值及所用版本 / the value in force and the version used")
@requires(POLICY_VIEW)
def get_value(request: HttpRequest, name: str, query: Query[ValueQuery]) -> ValueOut:
    """县（区）的取值优先于市，市优先于省；乡镇、村使用所在县（区）的取值。没有生效取值时返回 404
    （code = policy_no_value）。"""
    selectors.definition_get_for_user(user=request.user, name=name)
    found = _value_out(value(name, query.region, query.on or today_local()))
    assert found is not None
    return found


class VersionIn(Schema):
    region_code: str = Field(..., pattern=REGION)
    value: Any = Field(..., description="金额为分（94500 = 945.00 元）；倍数、百分比为数字文本；时限为 "
                                        "{count, unit}；区间为 {min, max} / money in fen; decimals as text; "
                                        "a time limit {count, unit}; a band {min, max}")
    effective_from: date
    effective_to: date | None = Field(None, description="不含当日；留空为长期有效 / exclusive; empty: open-ended")
    citation: str = Field(..., min_length=1, max_length=300)
    document_number: str = Field("", max_length=100)
    url: str = Field("", max_length=300)
    basis: str = Field("policy", pattern="^(policy|other_province|demo_default)$")
    note: str = Field("", max_length=300)
    backdate: bool = Field(False, description="确认生效日期早于今天（补录或追溯）/ confirm a start before today")
    definition_version: int | None = Field(None, description="参数的版本号，过期返回 409 / stale → 409")


@router.post("/policy/parameters/{name}/versions", response={201: VersionOut, **ERROR_RESPONSES},
             summary="新增参数版本（管理员，本辖区）/ add a version (administrators, own area)")
@requires(POLICY_MANAGE)
def add_version(request: HttpRequest, name: str, payload: VersionIn) -> Status:
    """长期有效的现行版本被自动截止到新版本的生效日期；其他重叠一律拒绝。区划不在本人管辖范围内返回 403。"""
    selectors.definition_get_for_user(user=request.user, name=name)
    version = services.parameter_version_add(
        actor=request.user, name=name, definition_version=payload.definition_version,
        data=services.VersionInput(
            region_code=payload.region_code, value=payload.value, effective_from=payload.effective_from,
            effective_to=payload.effective_to, citation=payload.citation,
            document_number=payload.document_number, url=payload.url, basis=payload.basis,
            note=payload.note, backdate=payload.backdate))
    return Status(201, selectors.version_get_for_user(user=request.user, pk=version.pk))


class VersionFilters(Schema):
    name: str | None = Field(None, max_length=80, description="参数代码 / parameter")
    region: str | None = Field(None, pattern=REGION, description="区划代码 / region code")
    chain: bool = Field(False, description="同时列出上级区划的版本 / include the region's ancestors")
    status: str | None = Field(None, pattern="^(in_force|pending|ended|withdrawn)$")


@router.get("/policy/versions", response={200: list[VersionOut], **ERROR_RESPONSES},
            summary="参数版本（历史）/ versions (history)")
@requires(POLICY_VIEW)
@paginate(PagePagination)
def list_versions(request: HttpRequest, filters: Query[VersionFilters]):
    return selectors.version_list_for_user(user=request.user, name=filters.name, region_code=filters.region,
                                           chain=filters.chain, status=filters.status)


@router.get("/policy/versions/{version_id}", response={200: VersionOut, **ERROR_RESPONSES},
            summary="一个参数版本 / one version")
@requires(POLICY_VIEW)
def get_version(request: HttpRequest, version_id: int) -> ParameterVersion:
    return selectors.version_get_for_user(user=request.user, pk=version_id)


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    definition_version: int | None = None


@router.post("/policy/versions/{version_id}/withdraw", response={200: VersionOut, **ERROR_RESPONSES},
             summary="撤回待生效的版本（管理员，本辖区）/ withdraw a pending version")
@requires(POLICY_MANAGE)
def withdraw_version(request: HttpRequest, version_id: int, payload: WithdrawIn) -> ParameterVersion:
    version = selectors.version_get_for_user(user=request.user, pk=version_id, action=POLICY_MANAGE)
    services.parameter_version_withdraw(actor=request.user, version=version, reason=payload.reason,
                                        definition_version=payload.definition_version)
    return selectors.version_get_for_user(user=request.user, pk=version_id)


class RegionValueOut(Schema):
    name: str
    label: str
    program: str
    value: ValueOut | None


class ValuesOut(Schema):
    region_code: str
    on: date
    parameters: list[RegionValueOut]


@router.get("/policy/values", response={200: ValuesOut, **ERROR_RESPONSES},
            summary="某区划某日生效的全部参数 / every parameter in force for a region on a day")
@requires(POLICY_VIEW)
def list_values(request: HttpRequest, query: Query[ValueQuery]) -> ValuesOut:
    on = query.on or today_local()
    selectors.region_for_lookup(query.region)
    rows = selectors.values_for_region(user=request.user, region_code=query.region, on=on)
    return ValuesOut(region_code=query.region, on=on, parameters=[
        RegionValueOut(name=r.definition.name, label=r.definition.label, program=r.definition.program,
                       value=_value_out(r.value)) for r in rows])


class CompareQuery(Schema):
    region: str = Field(..., pattern=REGION)
    date_a: date
    date_b: date
    changed_only: bool = False


class CompareRowOut(Schema):
    name: str
    label: str
    program: str
    a: ValueOut | None
    b: ValueOut | None
    version_changed: bool
    value_changed: bool


class CompareOut(Schema):
    region_code: str
    date_a: date
    date_b: date
    changed_count: int
    rows: list[CompareRowOut]


@router.get("/policy/compare", response={200: CompareOut, **ERROR_RESPONSES},
            summary="比较某区划两个日期的参数 / compare a region's values between two days")
@requires(POLICY_VIEW)
def compare(request: HttpRequest, query: Query[CompareQuery]) -> CompareOut:
    selectors.region_for_lookup(query.region)
    rows = selectors.compare_for_region(user=request.user, region_code=query.region, date_a=query.date_a,
                                        date_b=query.date_b, changed_only=query.changed_only)
    return CompareOut(
        region_code=query.region, date_a=query.date_a, date_b=query.date_b,
        changed_count=sum(r.version_changed for r in rows),
        rows=[CompareRowOut(name=r.definition.name, label=r.definition.label, program=r.definition.program,
                            a=_value_out(r.a), b=_value_out(r.b), version_changed=r.version_changed,
                            value_changed=r.value_changed) for r in rows])


# --- calculators and decision records -------------------------------------------------------------------


class EvaluateIn(Schema):
    program: str = Field(..., pattern="^(dibao|tekun|low_income|temporary_assistance|medical_assistance)$",
                         description="救助项目 / program")
    inputs: dict[str, Any] = Field(..., description=(
        "该项目的输入（金额为分，日期为 YYYY-MM-DD），见文档 / the program's inputs: money in fen, ISO dates; "
        "region_code and on are required"))
    save: bool = Field(False, description="保存为决定记录 / keep as a decision record")
    purpose: str = Field("estimate", pattern="^(estimate|decision)$")
    subject_type: str = Field("", max_length=60)
    subject_id: str = Field("", max_length=40)
    note: str = Field("", max_length=300)


class LineOut(Schema):
    rule: str
    label: str
    value: str
    passed: bool | None
    parameters: list[dict[str, Any]]


class EvaluationOut(Schema):
    program: str
    calculator_version: str
    outcome: str
    outcome_label: str
    eligible: bool
    amount_fen: int
    lines: list[LineOut]
    result: dict[str, Any] = Field(..., description=(
        "完整结果（含参数版本）/ the full record, parameter versions included"))
    decision_id: int | None = None
    digest: str | None = None


def _lines(lines: Any) -> list[LineOut]:
    return [LineOut(rule=line.rule, label=line.label(), value=line.value(), passed=line.passed,
                    parameters=[p.to_record() for p in line.parameters]) for line in lines]


def _evaluation(result: Any, decision: Decision | None = None) -> EvaluationOut:
    return EvaluationOut(
        program=result.program, calculator_version=result.calculator_version, outcome=result.outcome,
        outcome_label=result.explanation.summary(), eligible=result.eligible, amount_fen=result.amount_fen,
        lines=_lines(result.explanation.lines), result=result.to_record(),
        decision_id=decision.pk if decision else None, digest=decision.digest if decision else None)


@router.post("/policy/evaluate", response={200: EvaluationOut, 201: EvaluationOut, **ERROR_RESPONSES},
             summary="测算资格与金额（可保存为决定记录）/ evaluate eligibility and amounts (optionally keep)")
@requires(POLICY_EVALUATE)
def evaluate(request: HttpRequest, payload: EvaluateIn) -> Any:
    """逐条给出规则、所用数值、参数版本与是否符合。区划不在本人辖区返回 403；输入有误返回 400 并指明字段。"""
    inputs = selectors.decision_inputs(payload.program, payload.inputs)
    if not payload.save:
        return _evaluation(selectors.decision_evaluate_for_user(user=request.user, program=payload.program,
                                                                inputs=inputs))
    decision = services.decision_record(actor=request.user, program=payload.program, inputs=inputs,
                                        purpose=payload.purpose, subject_type=payload.subject_type,
                                        subject_id=payload.subject_id, note=payload.note)
    return Status(201, _evaluation(selectors.decision_reproduce(decision=decision).result, decision))


class DecisionOut(Schema):
    id: int
    program: str
    program_label: str
    purpose: str
    calculator_version: str
    region_code: str
    region_name: str
    evaluated_on: date
    outcome: str
    eligible: bool
    amount_fen: int
    digest: str
    subject_type: str
    subject_id: str
    note: str
    created_by: str
    created_at: datetime

    @staticmethod
    def resolve_program_label(obj: Decision) -> str:
        return str(obj.get_program_display())

    @staticmethod
    def resolve_region_code(obj: Decision) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Decision) -> str:
        return obj.region.name

    @staticmethod
    def resolve_created_by(obj: Decision) -> str:
        return obj.created_by.get_username() if obj.created_by else ""


class DecisionDetailOut(DecisionOut):
    inputs: dict[str, Any]
    parameters: list[dict[str, Any]]
    result: dict[str, Any]


class DecisionFilters(Schema):
    program: str | None = Field(None, max_length=30)
    outcome: str | None = Field(None, max_length=30)
    region: str | None = Field(None, pattern=REGION, description="区划代码（含下级）/ region and below")


@router.get("/policy/decisions", response={200: list[DecisionOut], **ERROR_RESPONSES},
            summary="决定记录（本辖区）/ decision records (own area)")
@requires(DECISION_VIEW)
@paginate(PagePagination)
def list_decisions(request: HttpRequest, filters: Query[DecisionFilters]) -> Any:
    return selectors.decision_list_for_user(user=request.user, program=filters.program, outcome=filters.outcome,
                                            region_code=filters.region)


@router.get("/policy/decisions/{decision_id}", response={200: DecisionDetailOut, **ERROR_RESPONSES},
            summary="一条决定记录：输入、参数版本、逐条说明 / one decision: inputs, parameter versions, lines")
@requires(DECISION_VIEW)
def get_decision(request: HttpRequest, decision_id: int) -> Decision:
    decision = selectors.decision_get_for_user(user=request.user, pk=decision_id)
    services.decision_view_log(actor=request.user, decision=decision)
    return decision


class RecalculationOut(Schema):
    same: bool = Field(..., description="结论、金额与每一条说明均与原决定一致 / identical to the stored decision")
    on: date
    calculator_changed: bool
    outcome_before: str
    amount_before_fen: int
    evaluation: EvaluationOut
    line_changes: list[dict[str, Any]]
    parameter_changes: list[dict[str, Any]]


def _recalculation(r: selectors.Recalculation) -> RecalculationOut:
    return RecalculationOut(
        same=r.same, on=r.on, calculator_changed=r.calculator_changed, outcome_before=r.outcome_before,
        amount_before_fen=r.amount_before_fen, evaluation=_evaluation(r.result),
        line_changes=[{"rule": c.rule, "label": c.label, "before": c.before, "after": c.after,
                       "passed_before": c.passed_before, "passed_after": c.passed_after} for c in r.line_changes],
        parameter_changes=[{"name": n, "version_before": a, "version_after": b} for n, a, b in r.parameter_changes])


@router.get("/policy/decisions/{decision_id}/reproduce", response={200: RecalculationOut, **ERROR_RESPONSES},
            summary="按原参数版本重新计算 / recompute with the decision's own parameter versions")
@requires(DECISION_VIEW)
def reproduce_decision(request: HttpRequest, decision_id: int) -> RecalculationOut:
    decision = selectors.decision_get_for_user(user=request.user, pk=decision_id)
    return _recalculation(selectors.decision_reproduce(decision=decision))


class WhatIfQuery(Schema):
    on: date | None = Field(None, description="按哪一天的参数（默认今天）/ parameters of this day (default today)")


@router.get("/policy/decisions/{decision_id}/what-if", response={200: RecalculationOut, **ERROR_RESPONSES},
            summary="按今天（或指定日期）的参数重新计算并比较 / what if decided under today's parameters")
@requires(DECISION_VIEW)
def what_if_decision(request: HttpRequest, decision_id: int, query: Query[WhatIfQuery]) -> RecalculationOut:
    decision = selectors.decision_get_for_user(user=request.user, pk=decision_id)
    return _recalculation(selectors.decision_what_if(decision=decision, on=query.on))

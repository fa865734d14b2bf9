"""Writes on policy parameters: add a version, withdraw a pending one, load definitions from a file.

A version's value never changes. Adding a version closes the open-ended version it follows
(its ``effective_to`` becomes the new ``effective_from``); any other overlap in the same region is
refused. A version not yet in force may be withdrawn, which gives its period back to the version
it had closed. Every write locks the parameter's row (one writer per parameter on PostgreSQL;
SQLite serialises writers anyway), is audited and sends an outbox event in its transaction, and
invalidates the lookup cache in the transaction and again on commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.services import audit_record
from jijinan.core.calendar.workdays import FIRST_YEAR, LAST_YEAR, DeadlineUnit, today_local
from jijinan.core.errors import Conflict, DomainError, NotFound, RowError, RowErrors
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import Target, require
from jijinan.policy.choices import Basis, Program, ValueKind
from jijinan.policy.errors import PolicyErrorCode
from jijinan.policy.lookup import VERSION_LEVELS, policy_cache_invalidate
from jijinan.policy.models import Decision, ParameterDefinition, ParameterVersion
from jijinan.policy.values import check_value, display
from jijinan.regions.models import Region
from jijinan.regions.selectors import region_get_active

MANAGE = "policy.manage"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FILE_FORMAT = "jijinan-policy/1"


@dataclass(frozen=True)
class VersionInput:
    region_code: str
    value: Any  # the stored form (money in fen); see jijinan.policy.values
    effective_from: date
    effective_to: date | None = None  # exclusive: the first day the version no longer applies
    citation: str = ""
    document_number: str = ""
    url: str = ""
    basis: str = Basis.POLICY
    note: str = ""
    backdate: bool = False  # the editor confirms a start before today (history, retroactive change)


def _changed() -> None:
    """Drop the lookup cache now (this transaction reads its own writes) and again on commit
    (other threads may have reloaded the old rows meanwhile)."""
    policy_cache_invalidate()
    transaction.on_commit(policy_cache_invalidate)


def _period(start: date, end: date | None) -> str:
    if end is None:
        return _("%(start)s 起长期有效") % {"start": start.isoformat()}
    return _("%(start)s 起至 %(end)s 前") % {"start": start.isoformat(), "end": end.isoformat()}


def _check_input(definition: ParameterDefinition, data: VersionInput) -> tuple[Any, dict[str, Any]]:
    """The stored value and the cleaned text fields; every problem at once, by field."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    stored: Any = None
    try:
        stored = check_value(definition.kind, data.value, allowed_units=definition.allowed_units)
    except DomainError as exc:
        for name, messages in exc.field_errors.items():
            for message in messages:
                err(name, message)
    for name, day in (("effective_from", data.effective_from), ("effective_to", data.effective_to)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            err(name, _("年份须在 %(first)s 到 %(last)s 之间") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    if data.effective_to is not None and data.effective_to <= data.effective_from:
        err("effective_to", _("失效日期必须晚于生效日期（失效日期当天起不再适用）"))
    citation = data.citation.strip()
    if not citation:
        err("citation", _("请填写依据（文件名称或说明）"))
    elif len(citation) > 300:
        err("citation", _("依据最多 %(n)s 个字符") % {"n": 300})
    document_number = data.document_number.strip()
    if len(document_number) > 100:
        err("document_number", _("文号最多 %(n)s 个字符") % {"n": 100})
    url = data.url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            err("url", _("链接应为 http:// 或 https:// 开头的网址"))
        if len(url) > 300:
            err("url", _("链接最多 %(n)s 个字符") % {"n": 300})
    if data.basis not in Basis.values:
        err("basis", _("来源类别无效"))
    note = data.note.strip()
    if len(note) > 300:
        err("note", _("调整说明最多 %(n)s 个字符") % {"n": 300})
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors,
                          code=PolicyErrorCode.BAD_VALUE if "value" in errors else "validation_error")
    return stored, {"citation": citation, "document_number": document_number, "url": url,
                    "basis": data.basis, "note": note}


def _region(code: str) -> Region:
    region = region_get_active(code=code.strip(), field="region_code")
    if region.level not in VERSION_LEVELS:
        raise DomainError.for_field(
            "region_code", _("参数只能按省、市、县（区）设置；乡镇（街道）和村（社区）使用所在县（区）的取值"),
            code=PolicyErrorCode.BAD_REGION)
    return region


def _describe(version: ParameterVersion, definition: ParameterDefinition) -> str:
    return _("%(region)s，%(period)s，取值 %(value)s") % {
        "region": version.region.name, "period": _period(version.effective_from, version.effective_to),
        "value": display(definition.kind, version.value, definition.unit)}


def _overlap_error(field: str, message: str) -> DomainError:
    return DomainError(message, code=PolicyErrorCode.OVERLAP, field_errors={field: [message]})


def _place(definition: ParameterDefinition, region: Region, start: date, end: date | None
           ) -> ParameterVersion | None:
    """Check ``[start, end)`` against the region's live versions: the open-ended version it follows
    (to be closed at ``start``), or None; any other overlap is refused. Touching periods
    (one ends on the day the other starts) do not overlap."""
    live = list(ParameterVersion.objects.select_related("region").filter(
        definition=definition, region=region, withdrawn_at__isnull=True).order_by("effective_from"))
    follows = None
    for other in live:
        overlaps = (end is None or other.effective_from < end) and \
            (other.effective_to is None or start < other.effective_to)
        if not overlaps:
            continue
        if other.effective_to is None and other.effective_from < start:
            follows = other  # the current open-ended version: the new one closes it
            continue
        if other.effective_from == start:
            raise _overlap_error("effective_from", _(
                "该区划在同一生效日期已有版本（%(other)s）；版本一经录入不能修改，待生效的版本可撤回后重新录入")
                % {"other": _describe(other, definition)})
        if other.effective_from > start:
            raise _overlap_error("effective_to", _(
                "与其后的版本（%(other)s）有效期重叠：请把失效日期设为 %(date)s 或更早")
                % {"other": _describe(other, definition), "date": other.effective_from.isoformat()})
        raise _overlap_error("effective_from", _(
            "与已有版本（%(other)s）的有效期重叠；只有长期有效的现行版本会被新版本自动截止")
            % {"other": _describe(other, definition)})
    return follows


def _locked_definition(definition_id: int, expected_version: int | None) -> ParameterDefinition:
    current = ParameterDefinition.objects.select_for_update().get(pk=definition_id)
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("该参数已被他人修改，请刷新后重试"), code=PolicyErrorCode.STALE)
    return current


def _bump(definition: ParameterDefinition) -> None:
    definition.version += 1
    definition.updated_at = timezone.now()
    definition.save(update_fields=["version", "updated_at"])


def _event(definition: ParameterDefinition, kind: str, version: ParameterVersion) -> None:
    outbox_write(type=kind, subject_type="policy.parameterdefinition", subject_id=str(definition.pk),
                 payload={"name": definition.name, "definition_version": definition.version,
                          "version_id": version.pk, "region_code": version.region.code,
                          "effective_from": version.effective_from.isoformat(),
                          "effective_to": version.effective_to.isoformat() if version.effective_to else None})


def _add(*, actor: Any, definition: ParameterDefinition, data: VersionInput, today: date,
         definition_version: int | None, source: str = "") -> ParameterVersion:
    """Add a version inside the caller's transaction (the loader's or ``parameter_version_add``'s)."""
    stored, fields = _check_input(definition, data)
    region = _region(data.region_code)
    if actor is not None:
        require(actor, MANAGE, Target(region_prefix=region.prefix))
    if data.effective_from < today and not data.backdate:
        raise DomainError.for_field("effective_from", _(
            "生效日期早于今天（%(today)s）：补录历史或追溯调整须勾选“追溯生效”确认；"
            "已作出的决定仍按其当时使用的版本") % {"today": today.isoformat()},
            code=PolicyErrorCode.BACKDATED)
    definition = _locked_definition(definition.pk, definition_version)
    follows = _place(definition, region, data.effective_from, data.effective_to)
    if follows is not None:
        # The only change a version ever sees besides withdrawal: its end, set by its successor.
        follows.effective_to = data.effective_from
        follows.save(update_fields=["effective_to"])
    version = ParameterVersion.objects.create(
        definition=definition, region=region, value=stored, effective_from=data.effective_from,
        effective_to=data.effective_to, author=actor if getattr(actor, "pk", None) else None,
        supersedes=follows, **fields)
    _bump(definition)
    changes: dict[str, tuple[Any, Any]] = {
        "version": (None, version.pk), "region": (None, region.code), "value": (None, stored),
        "effective_from": (None, data.effective_from), "effective_to": (None, data.effective_to),
        "citation": (None, fields["citation"]), "basis": (None, fields["basis"])}
    if follows is not None:
        changes[f"version {follows.pk} effective_to"] = (None, data.effective_from)
    notes = [n for n in (fields["note"], source) if n]
    if data.effective_from < today:
        notes.append(_("追溯生效"))
    audit_record(actor=actor, action="policy.version.add", subject=definition, region_code=region.code,
                 changes=changes, note="；".join(notes))
    _event(definition, "policy.version_added", version)
    _changed()
    return version


def _definition(name: str) -> ParameterDefinition:
    definition = ParameterDefinition.objects.filter(name=name).first()
    if definition is None:
        raise NotFound(_("没有名为 %(name)s 的政策参数") % {"name": name},
                       code=PolicyErrorCode.UNKNOWN_PARAMETER)
    return definition


def parameter_version_add(*, actor: Any, name: str, data: VersionInput,
                          definition_version: int | None = None) -> ParameterVersion:
    """Add a version of parameter ``name`` (``actor`` None: the system).

    Refused, with nothing saved: a value of the wrong type or unit, a region outside the actor's
    administrator grants (403) or below county level, a period overlapping another version of the
    region (except the open-ended current one, which is closed), a start before today without
    ``backdate``, a stale ``definition_version`` (409).
    """
    definition = _definition(name)
    with transaction.atomic():
        return _add(actor=actor, definition=definition, data=data, today=today_local(),
                    definition_version=definition_version)


def parameter_version_withdraw(*, actor: Any, version: ParameterVersion, reason: str,
                               definition_version: int | None = None) -> ParameterVersion:
    """Withdraw a version that is not yet in force; the version it had closed gets its period back.
    A version in force or past stays: change it by adding a new version."""
    reason = reason.strip()
    if not reason:
        raise DomainError.for_field("reason", _("请填写撤回原因"))
    if len(reason) > 200:
        raise DomainError.for_field("reason", _("撤回原因最多 %(n)s 个字符") % {"n": 200})
    if actor is not None:
        require(actor, MANAGE, Target(region_prefix=version.region.prefix))
    today = today_local()
    with transaction.atomic():
        definition = _locked_definition(version.definition_id, definition_version)
        current = ParameterVersion.objects.select_for_update().select_related("region").get(pk=version.pk)
        if current.withdrawn_at is not None:
            raise DomainError.for_field("version", _("该版本已撤回"), code=PolicyErrorCode.WITHDRAWN)
        if current.effective_from <= today:
            raise DomainError.for_field("version", _(
                "该版本已于 %(date)s 生效，不能撤回；如需调整，请新增一个版本") % {
                "date": current.effective_from.isoformat()}, code=PolicyErrorCode.NOT_PENDING)
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = actor if getattr(actor, "pk", None) else None
        current.withdraw_reason = reason
        current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        changes: dict[str, tuple[Any, Any]] = {"withdrawn_version": (None, current.pk)}
        following = ParameterVersion.objects.filter(
            definition=definition, region=current.region, withdrawn_at__isnull=True,
            effective_from__gt=current.effective_from).order_by("effective_from").first()
        restored = current.supersedes
        if restored is not None and (restored.withdrawn_at is not None
                                     or restored.effective_to != current.effective_from):
            restored = None
        if restored is not None:
            # As if the withdrawn version had never been added: the one it closed runs on to the
            # next version, or stays open-ended.
            restored.effective_to = following.effective_from if following else None
            restored.save(update_fields=["effective_to"])
            changes[f"version {restored.pk} effective_to"] = (current.effective_from, restored.effective_to)
        if following is not None and following.supersedes_id == current.pk:
            following.supersedes = restored
            following.save(update_fields=["supersedes"])
        _bump(definition)
        audit_record(actor=actor, action="policy.version.withdraw", subject=definition,
                     region_code=current.region.code, changes=changes,
                     note=reason)
        _event(definition, "policy.version_withdrawn", current)
        _changed()
    return current


# --- loading definitions and versions from a file --------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    definitions_created: int
    definitions_updated: int
    versions_created: int
    versions_unchanged: int


DEFINITION_FIELDS = ("label", "label_en", "program", "section", "kind", "unit", "unit_en",
                     "allowed_units", "description")


def _check_definition(entry: Any, row: int, errors: list[RowError]) -> dict[str, Any] | None:
    def err(column: str, reason: str) -> None:
        errors.append(RowError(row, column, reason))

    if not isinstance(entry, Mapping):
        err("definition", _("每个参数应为一个对象"))
        return None
    name = str(entry.get("name") or "").strip()
    if not NAME_PATTERN.match(name) or len(name) > 80:
        err("name", _("参数代码应为小写英文、数字和下划线，以点分段，如 dibao.standard_monthly"))
    label = str(entry.get("label") or "").strip()
    if not label or len(label) > 100:
        err("label", _("名称不能为空，最多 %(n)s 个字符") % {"n": 100})
    if entry.get("program") not in Program.values:
        err("program", _("所属项目无效：%(value)s") % {"value": entry.get("program")})
    if entry.get("kind") not in ValueKind.values:
        err("kind", _("取值类型无效：%(value)s") % {"value": entry.get("kind")})
    units = entry.get("allowed_units") or []
    if not isinstance(units, list) or any(u not in DeadlineUnit.values for u in units):
        err("allowed_units", _("期限单位应为 working_days、calendar_days 或 hours"))
    elif units and entry.get("kind") != ValueKind.DURATION:
        err("allowed_units", _("只有时限类参数才有期限单位"))
    for column, limit in (("label_en", 150), ("section", 20), ("unit", 40), ("unit_en", 60)):
        if len(str(entry.get(column) or "")) > limit:
            err(column, _("最多 %(n)s 个字符") % {"n": limit})
    if not isinstance(entry.get("versions", []), list):
        err("versions", _("版本应为列表"))
    return {"name": name, "label": label, "label_en": str(entry.get("label_en") or "").strip(),
            "program": entry.get("program"), "section": str(entry.get("section") or "").strip(),
            "kind": entry.get("kind"), "unit": str(entry.get("unit") or "").strip(),
            "unit_en": str(entry.get("unit_en") or "").strip(), "allowed_units": units,
            "description": str(entry.get("description") or "").strip()}


def _version_input(raw: Any) -> VersionInput:
    if not isinstance(raw, Mapping):
        raise DomainError.for_field("version", _("每个版本应为一个对象"))
    try:
        start = date.fromisoformat(str(raw.get("effective_from") or ""))
    except ValueError:
        raise DomainError.for_field("effective_from", _("日期格式应为 YYYY-MM-DD")) from None
    end = None
    if raw.get("effective_to"):
        try:
            end = date.fromisoformat(str(raw["effective_to"]))
        except ValueError:
            raise DomainError.for_field("effective_to", _("日期格式应为 YYYY-MM-DD")) from None
    if "value" not in raw:
        raise DomainError.for_field("value", _("缺少取值"))
    return VersionInput(
        region_code=str(raw.get("region_code") or ""), value=raw["value"], effective_from=start,
        effective_to=end, citation=str(raw.get("citation") or ""),
        document_number=str(raw.get("document_number") or ""), url=str(raw.get("url") or ""),
        basis=str(raw.get("basis") or Basis.POLICY), note=str(raw.get("note") or ""), backdate=True)


def _ensure_definition(actor: Any, values: dict[str, Any], order: int, row: int,
                       errors: list[RowError]) -> tuple[ParameterDefinition | None, str]:
    """Create or update a definition from the file; its kind cannot change once it has versions."""
    current = ParameterDefinition.objects.select_for_update().filter(name=values["name"]).first()
    fields = {k: values[k] for k in DEFINITION_FIELDS}
    if current is None:
        definition = ParameterDefinition.objects.create(name=values["name"], sort_order=order, **fields)
        audit_record(actor=actor, action="policy.definition.create", subject=definition,
                     changes={k: (None, v) for k, v in fields.items() if v not in ("", [])})
        return definition, "created"
    if current.kind != fields["kind"] and current.versions.exists():
        errors.append(RowError(row, "kind", _("参数已有版本，取值类型不能从 %(old)s 改为 %(new)s") % {
            "old": current.kind, "new": fields["kind"]}))
        return None, ""
    before = {k: getattr(current, k) for k in DEFINITION_FIELDS} | {"sort_order": current.sort_order}
    after = fields | {"sort_order": order}
    if before == after:
        return current, "unchanged"
    for key, val in after.items():
        setattr(current, key, val)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    from jijinan.audit.services import changes_between

    audit_record(actor=actor, action="policy.definition.update", subject=current,
                 changes=changes_between(before, after))
    return current, "updated"


def parameters_load(*, actor: Any, data: Any, source: str) -> LoadResult:
    """Load definitions and their versions (the defaults file); all or nothing, repeatable.

    A version already present (same parameter, region and start) with the same value and
    citation is left alone; one that differs is refused (history is never rewritten: add a new
    version instead). Errors name the definition's position in the file (1-based) as the row and
    the field as the column, e.g. ``versions[0].value``.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("definitions"), list):
        raise DomainError.for_field("file", _("文件应为包含 definitions 列表的 JSON 对象"),
                                    code=PolicyErrorCode.BAD_DEFINITION)
    if data.get("format", FILE_FORMAT) != FILE_FORMAT:
        raise DomainError.for_field("file", _("文件格式应为 %(format)s") % {"format": FILE_FORMAT},
                                    code=PolicyErrorCode.BAD_DEFINITION)
    errors: list[RowError] = []
    checked = [(row, _check_definition(entry, row, errors), entry)
               for row, entry in enumerate(data["definitions"], start=1)]
    seen: dict[str, int] = {}
    for row, values, _entry in checked:
        if values and values["name"] in seen:
            errors.append(RowError(row, "name", _("参数代码与第 %(row)s 项重复") % {"row": seen[values["name"]]}))
        elif values:
            seen[values["name"]] = row
    if errors:
        raise RowErrors(errors)
    today = today_local()
    created = updated = added = unchanged = 0
    with transaction.atomic():
        for row, values, entry in checked:
            assert values is not None
            definition, outcome = _ensure_definition(actor, values, row * 10, row, errors)
            if definition is None:
                continue
            created += outcome == "created"
            updated += outcome == "updated"
            raw_versions = list(enumerate(entry.get("versions") or []))
            parsed: list[tuple[int, VersionInput]] = []
            for i, raw in raw_versions:
                try:
                    parsed.append((i, _version_input(raw)))
                except DomainError as exc:
                    errors.extend(RowError(row, f"versions[{i}].{f}", m)
                                  for f, ms in exc.field_errors.items() for m in ms)
            # Earlier starts first, so that each later version closes the one before it.
            for i, version_input in sorted(parsed, key=lambda p: (p[1].region_code, p[1].effective_from)):
                existing = ParameterVersion.objects.filter(
                    definition=definition, region__code=version_input.region_code.strip(),
                    effective_from=version_input.effective_from, withdrawn_at__isnull=True).first()
                try:
                    if existing is not None:
                        stored = check_value(definition.kind, version_input.value,
                                             allowed_units=definition.allowed_units)
                        if existing.value != stored or existing.citation != version_input.citation.strip():
                            raise DomainError.for_field("value", _(
                                "已有同一区划、同一生效日期的版本且内容不同；版本不能改写，请新增一个版本"),
                                code=PolicyErrorCode.OVERLAP)
                        unchanged += 1
                        continue
                    _add(actor=actor, definition=definition, data=version_input, today=today,
                         definition_version=None, source=source)
                    added += 1
                except DomainError as exc:
                    if exc.status == 403:
                        raise
                    fields = exc.field_errors or {"version": [str(exc.message)]}
                    errors.extend(RowError(row, f"versions[{i}].{f}", m) for f, ms in fields.items() for m in ms)
        if errors:
            raise RowErrors(errors)
        if created or updated or added:
            audit_record(actor=actor, action="policy.load", subject_type="policy.parameterdefinition",
                         subject_id="", subject_label=source[:200],
                         changes={"definitions_created": (None, created), "definitions_updated": (None, updated),
                                  "versions_created": (None, added)})
            _changed()
    return LoadResult(created, updated, added, unchanged)


def parameters_load_json(*, actor: Any, text: str, source: str) -> LoadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError.for_field("file", _("JSON 格式错误：第 %(line)s 行第 %(col)s 列") % {
            "line": exc.lineno, "col": exc.colno}, code=PolicyErrorCode.BAD_DEFINITION) from None
    return parameters_load(actor=actor, data=data, source=source)


# --- decision records ---------------------------------------------------------------------------------


def decision_digest(*, program: str, calculator_version: str, inputs: Any, parameters: list[dict[str, Any]]
                    ) -> str:
    """The fingerprint of a calculation: equal fingerprints mean equal inputs, rules and parameters."""
    import hashlib

    canonical = json.dumps({"program": program, "calculator_version": calculator_version, "inputs": inputs,
                            "parameters": sorted(p["version_id"] for p in parameters)},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def decision_record(*, actor: Any, program: str, inputs: Any, purpose: str = "estimate",
                    subject_type: str = "", subject_id: str = "", note: str = "") -> Decision:
    """Evaluate ``inputs`` under the parameters in force on their day and keep the decision, with its
    inputs, the calculator's version and every parameter version read, in one transaction with its
    audit event. The region of the inputs must lie in the actor's area."""
    from jijinan.core.snapshot import to_json
    from jijinan.policy.calculators import evaluate_in_force
    from jijinan.policy.permissions import POLICY_EVALUATE

    region = _evaluation_region(inputs.region_code)
    require(actor, POLICY_EVALUATE, Target(region_prefix=region.prefix))
    if len(note) > 300:
        raise DomainError(_("备注不能超过 300 字"), code=PolicyErrorCode.BAD_INPUT,
                          field_errors={"note": [_("备注不能超过 300 字")]})
    result = evaluate_in_force(program, inputs)
    record = result.to_record()
    parameters = record["explanation"]["parameters"]
    snapshot = to_json(inputs)
    with transaction.atomic():
        decision = Decision.objects.create(
            program=program, purpose=purpose, calculator_version=result.calculator_version, region=region,
            evaluated_on=inputs.on, inputs=snapshot, parameters=parameters, result=record,
            outcome=result.outcome, eligible=result.eligible, amount_fen=result.amount_fen,
            digest=decision_digest(program=program, calculator_version=result.calculator_version,
                                   inputs=snapshot, parameters=parameters),
            subject_type=subject_type, subject_id=str(subject_id), note=note,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit_record(actor=actor, action="policy.decision.record", subject=decision, region_code=region.code,
                     changes={"program": (None, program), "outcome": (None, result.outcome),
                              "amount_fen": (None, result.amount_fen)})
    return decision


def _evaluation_region(code: Any) -> Region:
    found = Region.objects.filter(code=code).first() if isinstance(code, str) else None
    if found is None:
        message = _("区划代码 %(code)s 不存在") % {"code": code}
        raise DomainError(message, code=PolicyErrorCode.BAD_REGION, field_errors={"region_code": [message]})
    return found


def decision_view_log(*, actor: Any, decision: Decision, kind: str = "view") -> None:
    """A decision holds income, assets, health and disability: each view or print is logged."""
    from jijinan.audit.services import access_log_record

    access_log_record(actor=actor, kind=kind, subject=decision, region_code=decision.region.code,
                      fields=["inputs", "result"], purpose=_("查看决定记录"))

"""Accountability records (责任追究), written: what went wrong in a case, a department task or a
督办 order, who was responsible, what was found and what measure was taken.

The subject is named by its number (事项编号, 任务编号, 督办编号) and must lie in the recorder's
scope; the record's region is the subject's (the case's handling township, the task's case, the
order's region), so that it is seen by the supervisors and government of that area only. The
responsible office is one in the recorder's scope; the person is written by name and post, and
may be linked to a member of staff of that office. A correction compares the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.models import Organisation, User
from jijinan.audit.services import audit_record
from jijinan.cases.models import Case
from jijinan.core.errors import Conflict, DomainError, NotFound
from jijinan.core.permissions import Target, can, require, restrict
from jijinan.referrals.models import Task
from jijinan.regions.models import Region
from jijinan.supervision.accountability.errors import AccountabilityErrorCode as E
from jijinan.supervision.accountability.permissions import (
    ACCOUNTABILITY_RECORD,
    OFFICE_PATHS,
)
from jijinan.supervision.choices import Failing
from jijinan.supervision.models import AccountabilityRecord, SupervisionOrder

TEXT_MAX = 2000
PERSON_MAX = 100

CASE, TASK, ORDER = "case", "task", "order"
SUBJECT_TYPES = {CASE: "cases.case", TASK: "referrals.task", ORDER: "supervision.order"}


@dataclass(frozen=True)
class Subject:
    """What a record is about, found by its number: the record itself, its number and region."""

    kind: str
    number: str
    region: Region
    case: Case | None = None
    task: Task | None = None
    order: SupervisionOrder | None = None

    @property
    def subject_type(self) -> str:
        return SUBJECT_TYPES[self.kind]

    @property
    def subject_id(self) -> str:
        found = self.task or self.order or self.case
        assert found is not None
        return str(found.pk)


@dataclass(frozen=True)
class AccountabilityInput:
    failing: str
    responsible_office_id: Any
    responsible_person: str
    finding: str
    measure: str
    decided_on: date | None
    responsible_user_id: Any = None


def _find(kind: str, number: str) -> Subject | None:
    if kind == CASE:
        case = Case.objects.select_related("handling_region").filter(number=number).first()
        return Subject(CASE, case.number, case.handling_region, case=case) if case else None
    if kind == TASK:
        head, _dash, sequence = number.rpartition("-")
        if not head or not sequence.isdigit():
            return None
        task = Task.objects.select_related("case__handling_region").filter(
            case__number=head, sequence=int(sequence)).first()
        return Subject(TASK, task.number, task.case.handling_region, case=task.case, task=task) if task else None
    if kind == ORDER:
        order = SupervisionOrder.objects.select_related("region", "case").filter(number=number).first()
        return Subject(ORDER, order.number, order.region, case=order.case, order=order) if order else None
    return None


def subject_find(*, actor: Any, kind: str, number: str) -> Subject:
    """The case, task or order of that number, if its region lies in the recorder's scope (one
    outside it is "not found", like a missing one: 404 with the sentence on ``subject_number``)."""
    if kind not in SUBJECT_TYPES:
        raise DomainError.for_field("subject_kind", _("请选择追究的对象：事项、部门任务或督办单"), code=E.SUBJECT)
    number = (number or "").strip().upper()
    if not number:
        raise DomainError.for_field("subject_number", _("请输入事项编号、任务编号或督办编号"), code=E.SUBJECT)
    found = _find(kind, number)
    if found is None or not can(actor, ACCOUNTABILITY_RECORD, Target(region_prefix=found.region.prefix)):
        label = {CASE: _("事项"), TASK: _("部门任务"), ORDER: _("督办单")}[kind]
        message = _("在您的辖区内没有找到编号为 %(number)s 的%(kind)s") % {"number": number, "kind": label}
        raise NotFound(message, code="not_found", field_errors={"subject_number": [message]})
    return found


def offices_in_scope(*, actor: Any) -> Any:
    """The offices a recorder may name as responsible: the active ones in their scope."""
    return restrict(Organisation.objects.filter(active=True).select_related("region", "department_type"),
                    actor, ACCOUNTABILITY_RECORD, OFFICE_PATHS).order_by("region__code", "kind", "name")


def _text(value: str, field: str, required: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError.for_field(field, required, code=E.REQUIRED)
    if len(value) > limit:
        raise DomainError.for_field(field, _("不能超过 %(n)d 字") % {"n": limit}, code=E.REQUIRED)
    return value


def _values(actor: Any, data: AccountabilityInput) -> dict[str, Any]:
    """The record's fields from ``data``, every problem at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def check(field: str, fn: Any) -> None:
        try:
            values[field] = fn()
        except DomainError as exc:
            for name, messages in exc.field_errors.items():
                errors.setdefault(name, []).extend(messages)

    def failing() -> str:
        if data.failing not in Failing.values:
            raise DomainError.for_field("failing", _("请选择问题类型"))
        return data.failing

    def office() -> Organisation:
        office_id = data.responsible_office_id
        found = offices_in_scope(actor=actor).filter(pk=int(office_id)).first() if str(
            office_id or "").isdigit() else None
        if found is None:
            raise DomainError.for_field("responsible_office", _("请在您辖区的机构中选择责任单位"))
        return found

    def decided_on() -> date:
        if data.decided_on is None:
            raise DomainError.for_field("decided_on", _("请填写处理日期"))
        if data.decided_on > timezone.localdate():
            raise DomainError.for_field("decided_on", _("处理日期不能晚于今天"))
        return data.decided_on

    check("failing", failing)
    check("responsible_office", office)
    check("finding", lambda: _text(data.finding, "finding", _("请写明调查认定的情况")))
    check("measure", lambda: _text(data.measure, "measure", _("请写明采取的处理措施")))
    check("decided_on", decided_on)
    user = None
    if data.responsible_user_id not in (None, ""):
        try:
            user = User.objects.filter(pk=int(data.responsible_user_id), is_active=True).first()
        except (TypeError, ValueError):
            user = None
        office_found = values.get("responsible_office")
        if user is None or (office_found is not None and user.organisation_id != office_found.pk):
            errors.setdefault("responsible_user", []).append(_("请选择责任单位的工作人员，或只填写姓名及职务"))
            user = None
    values["responsible_user"] = user
    person = (data.responsible_person or "").strip()
    if not person and user is not None:
        person = " ".join(p for p in (user.display_name(), user.title) if p)
    if not person:
        errors.setdefault("responsible_person", []).append(_("请填写责任人姓名及职务"))
    elif len(person) > PERSON_MAX:
        errors.setdefault("responsible_person", []).append(_("不能超过 %(n)d 字") % {"n": PERSON_MAX})
    values["responsible_person"] = person
    if errors:
        raise DomainError(_("责任追究记录有 %(n)d 处需要修改") % {"n": len(errors)}, field_errors=errors)
    return values


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    def plain(v: Any) -> Any:
        return v.pk if hasattr(v, "pk") else (v.isoformat() if isinstance(v, date) else v)
    return {k: (plain(before.get(k)), plain(v)) for k, v in after.items() if plain(before.get(k)) != plain(v)}


def accountability_record(*, actor: Any, subject: Subject, data: AccountabilityInput) -> AccountabilityRecord:
    """Register an accountability record on a case, task or order the recorder may see."""
    require(actor, ACCOUNTABILITY_RECORD, Target(region_prefix=subject.region.prefix))
    values = _values(actor, data)
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            subject_type=subject.subject_type, subject_id=subject.subject_id, case=subject.case,
            task=subject.task, order=subject.order, region=subject.region,
            recorded_by=actor if getattr(actor, "pk", None) else None, recorded_at=timezone.now(), **values)
        audit_record(actor=actor, action="supervision.accountability.record", subject=record,
                     subject_label=subject.number, region_code=subject.region.code,
                     note=str(Failing(record.failing).label),
                     changes=_changes({}, {**values, "subject": subject.number}))
    return record


def accountability_correct(*, actor: Any, record: AccountabilityRecord, version: Any,
                           data: AccountabilityInput) -> AccountabilityRecord:
    """Correct a record (the subject stays); a record changed meanwhile is refused."""
    require(actor, ACCOUNTABILITY_RECORD, Target(region_prefix=record.region.prefix))
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise DomainError.for_field("version", _("请提供记录的版本号（version）"), code=E.STALE) from None
    values = _values(actor, data)
    with transaction.atomic():
        locked = AccountabilityRecord.objects.select_for_update(of=("self",)).select_related(
            "region", "responsible_office", "responsible_user").get(pk=record.pk)
        if locked.version != expected:
            stale = _("该记录已被他人修改（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
                "current": locked.version, "given": expected}
            raise Conflict(stale, code=E.STALE, field_errors={"version": [stale]})
        before = {k: getattr(locked, k) for k in values}
        changes = _changes(before, values)
        if not changes:
            return locked
        for k, v in values.items():
            setattr(locked, k, v)
        locked.version += 1
        locked.save()
        audit_record(actor=actor, action="supervision.accountability.correct", subject=locked,
                     subject_label=subject_number(locked), region_code=locked.region.code,
                     changes={**changes, "version": (expected, locked.version)})
    return locked


def subject_number(record: AccountabilityRecord) -> str:
    """The number the record's subject is known by (任务编号, 督办编号 or 事项编号)."""
    if record.task is not None:
        return record.task.number
    if record.order is not None:
        return record.order.number
    return record.case.number if record.case is not None else ""


def subject_kind(record: AccountabilityRecord) -> str:
    if record.task_id is not None:
        return TASK
    return ORDER if record.order_id is not None else CASE

"""Writes of the verification app: authorisations, requests, results (typed or imported), reports.

Each change runs in one transaction holding the change and its audit event (and, for an issued
report, its outbox message). A refused action writes nothing: no request leaves without an
authorisation in force that day, and an imported file is taken whole or not at all.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.services import audit_record, json_safe
from jijinan.core.errors import Conflict, DomainError, NotFound, RowError, RowErrors
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import ScopePaths, restrict
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import InvalidIdNumber, validate_id_number
from jijinan.policy.lookup import value as parameter_value
from jijinan.regions.services import decode_csv_bytes
from jijinan.registry.choices import Relation
from jijinan.registry.models import ID_NUMBER_PURPOSE, MINOR_AGE, Household, HouseholdMember, Person, age_on
from jijinan.verification import documents, sources
from jijinan.verification.choices import AuthorisationMethod, RequestStatus, ResultOrigin, Source
from jijinan.verification.documents import Document
from jijinan.verification.errors import VerificationErrorCode as E
from jijinan.verification.models import (
    Authorisation,
    VerificationReport,
    VerificationRequest,
    VerificationResult,
    authorisations_in_force,
)
from jijinan.verification.permissions import RESULT_MANAGE

VALID_MONTHS_PARAMETER = "means_verification.authorisation_valid_months"
REPORT_ISSUED = "verification.report_issued"
MAX_IMPORT_ROWS = 10_000
PURPOSE_LIMIT = 100
REASON_LIMIT = 200


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, the last day of a shorter month where the day does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _region_code(household: Household) -> str:
    return household.region.code


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError.for_field(field, _("请填写原因"))
    if len(text) > REASON_LIMIT:
        raise DomainError.for_field(field, _("不能超过 %(n)s 个字符") % {"n": REASON_LIMIT})
    return text


# --- authorisations ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidMonths:
    months: int
    version_id: int | None


def authorisation_valid_months(*, household: Household, on: date) -> ValidMonths:
    """How long an authorisation signed on ``on`` holds, from the policy parameter of the household's
    region. A missing parameter is refused with the parameter named, never guessed."""
    try:
        found = parameter_value(VALID_MONTHS_PARAMETER, household.region.code, on)
    except NotFound:
        raise DomainError.for_field("signed_on", _(
            "未配置政策参数 %(name)s（核对授权有效期，月），请系统管理员先在政策参数中设置") % {
            "name": VALID_MONTHS_PARAMETER}, code=E.NO_PARAMETER) from None
    return ValidMonths(int(found.value), found.version_id)


def current_members(household: Household) -> list[HouseholdMember]:
    return list(HouseholdMember.objects.filter(household=household, left_on__isnull=True)
                .select_related("person").order_by("id"))


def required_signatories(members: Iterable[HouseholdMember], on: date) -> list[Person]:
    """Every current member aged 18 or more on ``on`` signs (PIPL art. 28: each adult's own separate
    consent; a minor's data is covered by a parent or guardian in the household). A member whose
    birth date is unknown is taken as an adult."""
    people = []
    for m in members:
        age = age_on(m.person.birth_date, on)
        if age is None or age >= MINOR_AGE:
            people.append(m.person)
    return people


def authorisation_record(*, actor: Any, household: Household, signatory_ids: list[int], signed_on: date,
                         method: str, document: Document, note: str = "") -> Authorisation:
    """Record a household's authorisation with its document (stored outside the web root)."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if signed_on > today:
        errors.setdefault("signed_on", []).append(_("签署日期不能晚于今天"))
    if method not in AuthorisationMethod.values:
        errors.setdefault("method", []).append(_("授权方式无效"))
    if len(note or "") > 200:
        errors.setdefault("note", []).append(_("不能超过 %(n)s 个字符") % {"n": 200})
    members = current_members(household)
    by_person = {m.person_id: m.person for m in members}
    chosen = list(dict.fromkeys(signatory_ids))
    strangers = [pk for pk in chosen if pk not in by_person]
    if strangers:
        errors.setdefault("signatories", []).append(_("签字人须是本户现有成员"))
    elif not chosen:
        errors.setdefault("signatories", []).append(_("请选择签字人"))
    if not errors:
        unsigned = [p.name for p in required_signatories(members, signed_on) if p.pk not in chosen]
        if unsigned:
            errors.setdefault("signatories", []).append(_(
                "年满 18 周岁的家庭成员均须签字，缺少：%(names)s") % {"names": "、".join(unsigned)})
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors,
                          code=E.MISSING_SIGNATORY if "signatories" in errors else E.BAD_DATE)
    valid = authorisation_valid_months(household=household, on=signed_on)
    valid_until = add_months(signed_on, valid.months)
    if valid_until < today:
        raise DomainError.for_field("signed_on", _("该授权书已于 %(day)s 过期，请让家庭重新签署") % {
            "day": valid_until.isoformat()}, code=E.AUTHORISATION_EXPIRED)
    with documents.removed_on_failure() as written:
        relative = written.store(document)
        with transaction.atomic():
            authorisation = Authorisation.objects.create(
                household=household, signed_on=signed_on, valid_until=valid_until, valid_months=valid.months,
                parameter_version_id=valid.version_id, method=method, document_path=relative,
                document_kind=document.kind, document_size=len(document.content),
                document_sha256=document.sha256, document_name=document.name, note=(note or "").strip(),
                recorded_by=actor)
            authorisation.signatories.set(chosen)
            audit_record(actor=actor, action="verification.authorisation.record", subject=authorisation,
                         region_code=_region_code(household), subject_label=str(authorisation), changes={
                             "household": (None, household.pk), "signed_on": (None, signed_on.isoformat()),
                             "valid_until": (None, valid_until.isoformat()), "method": (None, method),
                             "signatories": (None, sorted(chosen)), "document_sha256": (None, document.sha256)})
    return authorisation


def _locked(model: type[Any], pk: int, version: int | None, what: str) -> Any:
    current = model.objects.select_for_update().select_related("household__region").get(pk=pk)
    if version is not None and current.version != version:
        raise Conflict(_("该%(what)s已被他人修改，请刷新后重试") % {"what": what}, code=E.STALE_VERSION,
                       field_errors={"version": [_("版本已过期")]})
    return current


def authorisation_revoke(*, actor: Any, authorisation: Authorisation, version: int, reason: str) -> Authorisation:
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(Authorisation, authorisation.pk, version, _("授权书"))
        if current.revoked_at is not None:
            raise DomainError(_("该授权书已撤销"), code=E.AUTHORISATION_REVOKED)
        current.revoked_at, current.revoked_reason, current.revoked_by = timezone.now(), reason, actor
        current.version += 1
        current.save(update_fields=["revoked_at", "revoked_reason", "revoked_by", "version"])
        audit_record(actor=actor, action="verification.authorisation.revoke", subject=current,
                     region_code=_region_code(current.household), note=reason,
                     changes={"revoked_at": (None, current.revoked_at)})
    return current


def authorisation_in_force(*, household: Household, on: date) -> Authorisation:
    """The authorisation that covers ``household`` on ``on``; refused, saying why, when none does."""
    found = Authorisation.objects.filter(authorisations_in_force(on), household=household).order_by(
        "-valid_until", "-id").first()
    if found is not None:
        return found
    latest = Authorisation.objects.filter(household=household).order_by("-signed_on", "-id").first()
    if latest is None:
        message, code = _("该家庭没有核对授权书，不能发起核对：请先登记家庭成员签署的授权书"), E.NO_AUTHORISATION
    elif latest.revoked_at is not None:
        message, code = _("该家庭的核对授权书已撤销，不能发起核对：请让家庭重新签署授权书"), E.AUTHORISATION_REVOKED
    else:
        message, code = _("该家庭的核对授权书已于 %(day)s 过期，不能发起核对：请让家庭重新签署授权书") % {
            "day": latest.valid_until.isoformat()}, E.AUTHORISATION_EXPIRED
    raise DomainError.for_field("authorisation", message, code=code)


# --- requests ---------------------------------------------------------------------------------------------
def request_create(*, actor: Any, household: Household, sources_wanted: list[str], purpose: str
                   ) -> list[VerificationRequest]:
    """One request per source (all ten for the batch action), under the authorisation in force."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError.for_field("purpose", _("请填写核对用途（如：低保申请）"))
    if len(purpose) > PURPOSE_LIMIT:
        raise DomainError.for_field("purpose", _("不能超过 %(n)s 个字符") % {"n": PURPOSE_LIMIT})
    wanted = list(dict.fromkeys(sources_wanted))
    if not wanted or any(s not in Source.values for s in wanted):
        raise DomainError.for_field("sources", _("请选择数据来源"))
    today = timezone.localdate()
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        authorisation = authorisation_in_force(household=household, on=today)
        pending = set(VerificationRequest.objects.filter(
            household=household, status=RequestStatus.PENDING).values_list("source", flat=True))
        batch = len(wanted) > 1
        fresh = [s for s in wanted if s not in pending]
        if not fresh or (not batch and wanted[0] in pending):
            names = "、".join(str(Source(s).label) for s in wanted if s in pending)
            raise DomainError.for_field("sources", _("以下数据来源已有待答复的请求：%(names)s") % {"names": names},
                                        code=E.ALREADY_PENDING)
        created = []
        for source in fresh:
            request = VerificationRequest.objects.create(
                household=household, authorisation=authorisation, source=source, purpose=purpose,
                requested_by=actor)
            audit_record(actor=actor, action="verification.request.create", subject=request,
                         region_code=_region_code(household), subject_label=str(request), changes={
                             "source": (None, source), "purpose": (None, purpose),
                             "authorisation": (None, authorisation.pk)})
            created.append(request)
    return created


def _close(*, actor: Any, request: VerificationRequest, version: int | None, status: str, reason: str,
           action: str) -> VerificationRequest:
    current = _locked(VerificationRequest, request.pk, version, _("核对请求"))
    if current.status != RequestStatus.PENDING:
        raise DomainError(_("该请求已办结（%(status)s），不能再更改") % {"status": current.get_status_display()},
                          code=E.NOT_PENDING)
    current.status, current.status_reason, current.closed_at = status, reason, timezone.now()
    current.version += 1
    current.save(update_fields=["status", "status_reason", "closed_at", "version"])
    audit_record(actor=actor, action=action, subject=current, region_code=_region_code(current.household),
                 note=reason, changes={"status": (RequestStatus.PENDING, status)})
    return current


def request_cancel(*, actor: Any, request: VerificationRequest, version: int, reason: str) -> VerificationRequest:
    reason = _reason(reason)
    with transaction.atomic():
        return _close(actor=actor, request=request, version=version, status=RequestStatus.CANCELLED,
                      reason=reason, action="verification.request.cancel")


def request_fail(*, actor: Any, request: VerificationRequest, version: int, reason: str) -> VerificationRequest:
    """The source could not answer (no reply, a mismatch): the request closes as failed."""
    reason = _reason(reason)
    with transaction.atomic():
        return _close(actor=actor, request=request, version=version, status=RequestStatus.FAILED,
                      reason=reason, action="verification.request.fail")


# --- results ----------------------------------------------------------------------------------------------
def _answer(*, actor: Any, request: VerificationRequest, version: int | None, facts: dict[str, Any],
            origin: str, import_name: str = "") -> VerificationResult:
    current = _close(actor=actor, request=request, version=version, status=RequestStatus.ANSWERED, reason="",
                     action="verification.result.enter" if origin == ResultOrigin.MANUAL
                     else "verification.result.import")
    result = VerificationResult.objects.create(request=current, facts=facts, origin=origin,
                                               import_name=import_name[:200], entered_by=actor)
    audit_record(actor=actor, action="verification.result.record", subject=result,
                 region_code=_region_code(current.household), subject_label=str(current),
                 changes={"facts": (None, facts), "origin": (None, origin)})
    return result


def result_enter(*, actor: Any, request: VerificationRequest, version: int, facts: dict[str, Any]
                 ) -> VerificationResult:
    """What the source answered, typed by hand; every bad field is named at once."""
    clean, errors = sources.normalise(request.source, facts)
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors, code=E.BAD_FACTS)
    with transaction.atomic():
        return _answer(actor=actor, request=request, version=version, facts=clean, origin=ResultOrigin.MANUAL)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    answered: int


def _household_number(text: str | None) -> bool:
    text = (text or "").strip()
    return text.isascii() and text.isdigit() and len(text) <= 18  # beyond that no primary key exists


def _household_keys(rows: list[dict[str, str]], user: Any) -> tuple[dict[int, Household], dict[str, int]]:
    """Households in the user's scope named by id, and households of the ID numbers given: two queries."""
    ids = {int(r["household_id"]) for r in rows if _household_number(r.get("household_id"))}
    indexes: dict[str, str] = {}
    for r in rows:
        number = (r.get("id_number") or "").strip().upper()
        if number:
            try:
                canonical = validate_id_number(number, field="id_number").canonical
            except InvalidIdNumber:
                continue
            indexes[number] = crypto.blind_index(canonical, purpose=ID_NUMBER_PURPOSE)
    by_index = dict(HouseholdMember.objects.filter(
        left_on__isnull=True, person__id_number_index__in=set(indexes.values())).values_list(
        "person__id_number_index", "household_id"))
    by_number = {n: by_index[i] for n, i in indexes.items() if i in by_index}
    visible = restrict(Household.objects.select_related("region"), user, RESULT_MANAGE,
                       ScopePaths(region="region")).filter(pk__in=ids | set(by_number.values()))
    return {h.pk: h for h in visible}, by_number


def results_import(*, actor: Any, source: str, content: bytes, name: str = "") -> ImportResult:
    """A CSV from one source: ``id_number`` (a member's) or ``household_id``, then the source's
    columns; rows of one household add up (each member's income, each home, each car). Every
    household named must have a pending request for the source. All rows or none."""
    if source not in Source.values:
        raise DomainError.for_field("source", _("请选择数据来源"))
    spec = sources.SPECS[source]
    text = decode_csv_bytes(content)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    errors: list[RowError] = []
    if "id_number" not in header and "household_id" not in header:
        errors.append(RowError(1, "id_number", _("缺少 id_number（身份证号）或 household_id（家庭编号）列")))
    for column in spec.columns:
        if column not in header:
            errors.append(RowError(1, column, _("缺少列 %(column)s") % {"column": column}))
    for column in header:
        if column not in {"id_number", "household_id", *spec.columns}:
            errors.append(RowError(1, column, _("数据来源“%(source)s”没有列 %(column)s") % {
                "source": Source(source).label, "column": column}))
    if errors:
        raise RowErrors(errors)
    rows = list(reader)
    if not rows:
        raise RowErrors([RowError(2, "file", _("文件没有数据行"))])
    if len(rows) > MAX_IMPORT_ROWS:
        raise RowErrors([RowError(1, "file", _("一次最多导入 %(n)s 行") % {"n": MAX_IMPORT_ROWS})])
    households, by_number = _household_keys(rows, actor)
    today = timezone.localdate()
    facts_by_household: dict[int, dict[str, Any]] = {}
    for i, row in enumerate(rows, start=2):
        row = {k: (v or "") for k, v in row.items() if k is not None}
        household_text, number = row.get("household_id", "").strip(), row.get("id_number", "").strip().upper()
        household_id: int | None = None
        if not household_text and not number:
            errors.append(RowError(i, "id_number", _("请填写身份证号或家庭编号")))
        if number:
            try:
                validate_id_number(number, field="id_number")
            except InvalidIdNumber as exc:
                errors.append(RowError(i, "id_number", str(exc.message)))
            else:
                household_id = by_number.get(number)
                if household_id is None:
                    errors.append(RowError(i, "id_number", _("该身份证号不属于任何家庭的现有成员")))
        if household_text:
            if not _household_number(household_text):
                errors.append(RowError(i, "household_id", _("家庭编号应为数字")))
            elif household_id is not None and household_id != int(household_text):
                errors.append(RowError(i, "household_id", _("家庭编号与身份证号所属家庭不一致")))
            else:
                household_id = int(household_text)
        if household_id is not None and household_id not in households:
            errors.append(RowError(i, "household_id" if household_text else "id_number",
                                   _("家庭不存在或不在您的范围内")))
            household_id = None
        facts, problems = sources.parse_row(source, row, today=today)
        errors.extend(RowError(i, p.field, p.message) for p in problems)
        if household_id is not None and not problems:
            before = facts_by_household.get(household_id)
            facts_by_household[household_id] = facts if before is None else sources.merge(source, before, facts)
    pending = {r.household_id: r for r in VerificationRequest.objects.filter(
        household_id__in=list(facts_by_household), source=source, status=RequestStatus.PENDING)}
    reported: set[int] = set()
    for i, row in enumerate(rows, start=2):
        pk = row.get("household_id", "").strip()
        number = (row.get("id_number") or "").strip().upper()
        household_id = int(pk) if _household_number(pk) else by_number.get(number)
        if household_id in facts_by_household and household_id not in pending and household_id not in reported:
            reported.add(household_id)
            errors.append(RowError(i, "household_id" if pk else "id_number", _(
                "该家庭没有待答复的“%(source)s”核对请求") % {"source": Source(source).label}))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: (e.row, e.column)))
    with transaction.atomic():
        for household_id, facts in facts_by_household.items():
            _answer(actor=actor, request=pending[household_id], version=None, facts=facts,
                    origin=ResultOrigin.IMPORT, import_name=name)
    return ImportResult(rows=len(rows), answered=len(facts_by_household))


# --- reports ----------------------------------------------------------------------------------------------
def _origin(request: VerificationRequest) -> dict[str, Any]:
    result: VerificationResult | None = getattr(request, "result", None)
    origin: dict[str, Any] = {"request_id": request.pk, "requested_at": request.requested_at,
                              "purpose": request.purpose, "status": request.status}
    if result is not None:
        who = result.entered_by
        origin.update(result_id=result.pk, origin=result.origin, import_name=result.import_name,
                      entered_at=result.entered_at,
                      entered_by=who.display_name() if who is not None else "")
    else:
        origin["reason"] = request.status_reason
    return json_safe(origin)


def report_issue(*, actor: Any, household: Household, close_missing: bool = False, note: str = ""
                 ) -> VerificationReport:
    """Issue the next report from the requests since the last one. Sources asked but not answered
    stop it unless ``close_missing`` (with a note): they are then named as missing and their
    pending requests cancelled. The report never changes afterwards."""
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError.for_field("note", _("不能超过 %(n)s 个字符") % {"n": 300})
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        requests = list(VerificationRequest.objects.select_for_update().filter(
            household=household, report__isnull=True).exclude(status=RequestStatus.CANCELLED)
            .order_by("requested_at", "id"))
        results = {r.request_id: r for r in VerificationResult.objects.select_related("entered_by").filter(
            request__in=requests)}
        for r in requests:
            if r.pk in results:
                r.result = results[r.pk]
        answered = [r for r in requests if r.status == RequestStatus.ANSWERED]
        if not answered:
            raise DomainError(_("还没有已答复的核对请求，不能出具报告"), code=E.NOTHING_TO_REPORT)
        unanswered = [r for r in requests if r.status != RequestStatus.ANSWERED]
        missing = list(dict.fromkeys(r.source for r in unanswered
                                     if r.source not in {a.source for a in answered}))
        if missing and not close_missing:
            raise DomainError.for_field("close_missing", _(
                "以下数据来源尚未答复：%(names)s。请等待答复，或注明原因后出具报告") % {
                "names": "、".join(str(Source(s).label) for s in missing)}, code=E.SOURCES_MISSING)
        if missing and not note:
            raise DomainError.for_field("note", _("请说明未答复的数据来源为何不再等待"))
        facts: dict[str, Any] = {}
        for source in Source.values:
            latest = [r for r in answered if r.source == source]
            if latest:
                chosen = latest[-1]
                facts[source] = {"status": "answered", "facts": chosen.result.facts, "origin": _origin(chosen)}
            elif source in missing:
                last = [r for r in unanswered if r.source == source][-1]
                facts[source] = {"status": "missing", "facts": {}, "origin": _origin(last)}
            else:
                facts[source] = {"status": "not_requested", "facts": {}, "origin": {}}
        number = (VerificationReport.objects.filter(household=household).aggregate(n=Max("number"))["n"] or 0) + 1
        members = [{"person_id": m.person_id, "name": m.person.name, "relation": m.relation,
                    "head": m.relation == Relation.HEAD} for m in current_members(household)]
        now = timezone.now()
        report = VerificationReport.objects.create(
            household=household, number=number, facts=facts, missing_sources=missing,
            complete=all(facts[s]["status"] == "answered" for s in Source.values), closing_note=note,
            members=members, issued_at=now, issued_on=timezone.localdate(now), issued_by=actor)
        for r in unanswered:
            if r.status == RequestStatus.PENDING:
                _close(actor=actor, request=r, version=None, status=RequestStatus.CANCELLED,
                       reason=_("出具第%(n)s号核对报告时仍未答复") % {"n": number},
                       action="verification.request.cancel")
        VerificationRequest.objects.filter(pk__in=[r.pk for r in requests]).update(report=report)
        region_code = _region_code(household)
        audit_record(actor=actor, action="verification.report.issue", subject=report, region_code=region_code,
                     subject_label=str(report), note=note, changes={
                         "number": (None, number), "missing_sources": (None, missing),
                         "complete": (None, report.complete)})
        outbox_write(type=REPORT_ISSUED, subject_type="verification.report", subject_id=str(report.pk),
                     payload={"id": report.pk, "household_id": household.pk, "region_code": region_code,
                              "number": number, "complete": report.complete, "missing_sources": missing,
                              "issued_on": report.issued_on.isoformat()})
    return report

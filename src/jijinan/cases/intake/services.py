"""Writes of intake: a case from every channel (with triage and the crisis alert), its
attachments, the crisis duty rota. A new case enters the stage line (its first deadline, its
responsible person) through :mod:`jijinan.cases.workflow.services`.

Each change runs in one transaction holding the change, its case events, its audit event and its
outbox messages; bad input is refused as a whole, every problem named by field, before anything
is written, so a refused intake leaves no half-made case, person, number or file behind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.selectors import grants_covering
from jijinan.audit.services import audit_record
from jijinan.cases import notices
from jijinan.cases.choices import IDENTIFY_STAGES, Channel, Stage, SubjectKind, Urgency
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.intake import attachments as files
from jijinan.cases.intake import triage
from jijinan.cases.models import (
    REPORTER_PHONE_PURPOSE,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseNumberCounter,
    NeedType,
    OnCallContact,
)
from jijinan.cases.permissions import ATTACHMENT_ADD, CASE_CREATE, ON_CALL_MANAGE, SUBJECT_IDENTIFY
from jijinan.cases.selectors import township_of
from jijinan.cases.services import case_event_build, case_event_record, case_events_record
from jijinan.cases.workflow.services import case_locked, responsible_for, stage_deadline_start
from jijinan.core.deadlines.services import deadline_start
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.outbox import outbox_message, outbox_write, outbox_write_many
from jijinan.core.permissions import STAFF_ROLES, Role, Target, can, require
from jijinan.core.protected import crypto
from jijinan.core.protected.fields import EncryptedTextField, Protected
from jijinan.core.protected.ids import normalise_phone
from jijinan.core.texts import joined, message
from jijinan.core.uploads import WrittenFiles
from jijinan.policy.lookup import value as parameter_value
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.selectors import region_get_active
from jijinan.registry import selectors as registry_selectors
from jijinan.registry import services as registry_services
from jijinan.registry.choices import Relation
from jijinan.registry.models import Household, Person
from jijinan.registry.permissions import PERSON_MANAGE

CASE_SUBJECT = "cases.case"
# The stage a case starts in, by where it came from (DESIGN.md, "The life of a case").
INTAKE_STAGE = {
    Channel.WINDOW: Stage.ACCEPTED, Channel.HOTLINE: Stage.ACCEPTED, Channel.HOTLINE_12345: Stage.ACCEPTED,
    Channel.RELIEF_STATION: Stage.ACCEPTED, Channel.DEPARTMENT: Stage.ACCEPTED,
    Channel.INFORMANT: Stage.REPORTED, Channel.ONLINE: Stage.REPORTED, Channel.WARNING: Stage.DISCOVERED,
}
WORK_ORDER_KINDS = ("12345", "110", "120")
# Who may be on a county's crisis rota: government staff, not partner staff nor informants.
ON_CALL_ROLES = STAFF_ROLES - {Role.PARTNER_STAFF, Role.INFORMANT}
CLOCK_SKEW = timedelta(minutes=5)  # a caller's clock a little ahead is not a "future" event
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class IntakeInput:
    """What the intake form or the API declares about a new case.

    The subject is one of: ``person_id`` (a registry person), ``household_id`` (a registry
    household, optionally with ``person_id`` of a member), ``new_person`` (registered now), or
    neither (an unidentified person: ``subject_name`` and/or ``subject_description``).
    """

    channel: str
    handling_region_code: str
    event_at: datetime | None
    categories: list[str]
    description: str
    needs: list[str] = field(default_factory=list)
    urgency: str = Urgency.NORMAL
    crisis: bool = False
    crisis_note: str = ""
    person_id: int | None = None
    household_id: int | None = None
    new_person: registry_services.PersonInput | None = None
    subject_name: str = ""
    subject_description: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_relation: str = ""
    event_region_code: str = ""
    event_place: str = ""
    work_orders: dict[str, str] = field(default_factory=dict)
    client_key: str = ""

    def digest(self, attachments: list[files.Upload] | None = None) -> str:
        """A fingerprint of the body, to tell a retried submission from a different one."""
        body = asdict(self)
        body.pop("client_key")
        body["categories"], body["needs"] = sorted(self.categories), sorted(self.needs)
        body["attachments"] = [hashlib.sha256(a.content).hexdigest() for a in attachments or []]
        text = json.dumps(body, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Checked:
    channel: str
    township: Region
    event_region: Region | None
    person: Person | None
    household: Household | None
    phone: str
    categories: list[str]
    needs: list[str]
    work_orders: dict[str, str]
    uploads: list[files.CheckedFile]


class _Errors:
    """Collects every problem of one input, so the clerk sees them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.code = ""

    def add(self, name: str, message: str, code: str = "validation_error") -> None:
        self.fields.setdefault(name, []).append(str(message))
        self.code = self.code or code

    def take(self, exc: DomainError, name: str) -> None:
        for key, messages in (exc.field_errors or {name: [str(exc.message)]}).items():
            for text in messages:
                self.add(key if exc.field_errors else name, text, exc.code)

    def raise_if_any(self) -> None:
        if self.fields:
            raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=self.fields,
                              code=self.code or "validation_error")


def _codes(errors: _Errors, name: str, values: list[str], model: type[CaseCategory] | type[NeedType],
           code: str) -> list[str]:
    wanted = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    known = set(model.objects.filter(code__in=wanted, active=True).order_by().values_list("code", flat=True))
    unknown = [v for v in wanted if v not in known]
    if unknown:
        errors.add(name, _("未知或已停用的代码：%(codes)s") % {"codes": "、".join(unknown)}, code)
    return [v for v in wanted if v in known]


def _head(household: Household) -> Person | None:
    """The head of the household (户主), who applies for it unless a member is named."""
    member = household.members.filter(relation=Relation.HEAD, left_on__isnull=True).select_related("person").first()
    return member.person if member is not None else None


def _subject(errors: _Errors, actor: Any, *, person_id: int | None, household_id: int | None,
             new_person: registry_services.PersonInput | None, named: bool) -> tuple[Person | None, Household | None]:
    """A registry subject the actor may see; one outside their scope is "unknown", like a missing one.

    A household's case names its applicant: the member given, else the head. ``named``: the
    unidentified subject has a name or a description (so choosing nobody is allowed)."""
    person = household = None
    unknown = _("未找到该救助对象（不存在或不在您的范围内）")
    if person_id is not None:
        try:
            person = registry_selectors.person_get_for_user(user=actor, pk=person_id)
        except NotFound:
            errors.add("person_id", unknown, E.UNKNOWN_SUBJECT)
    if household_id is not None:
        try:
            household = registry_selectors.household_get_for_user(user=actor, pk=household_id)
        except NotFound:
            errors.add("household_id", _("未找到该家庭（不存在或不在您的范围内）"), E.UNKNOWN_SUBJECT)
    if person is not None and household is not None and not household.members.filter(
            person=person, left_on__isnull=True).exists():
        errors.add("person_id", _("该救助对象不是所选家庭的成员"), E.UNKNOWN_SUBJECT)
    if new_person is not None:
        if person_id is not None or household_id is not None:
            errors.add("new_person", _("已选择登记过的对象时不能同时登记新对象"))
        elif actor is not None and not can(actor, PERSON_MANAGE):
            errors.add("new_person", _("您的角色不能登记新的救助对象：请选择“身份不明”并描述对象，由经办人员登记"),
                       E.NEW_PERSON_NOT_ALLOWED)
    elif person_id is None and household_id is None and not named:
        errors.add("subject_name", _("请选择救助对象，或登记新对象，或填写身份不明对象的称呼或特征"),
                   E.UNKNOWN_SUBJECT)
    if household is not None and person is None and person_id is None:
        person = _head(household)
        if person is None:
            errors.add("person_id", _("该家庭没有登记户主：请选择提出申请的家庭成员"), E.UNKNOWN_SUBJECT)
    if person is not None and household is None:
        member = person.household_memberships.filter(left_on__isnull=True).select_related("household").first()
        household = member.household if member is not None else None
    return person, household


def _check(actor: Any, data: IntakeInput, uploads: list[files.Upload], now: datetime) -> _Checked:
    errors = _Errors()
    if data.channel not in Channel.values:
        errors.add("channel", _("来源渠道无效"))
    township = event_region = None
    try:
        township = township_of(data.handling_region_code)
    except DomainError as exc:
        errors.take(exc, "handling_region_code")
    if township is not None and actor is not None:
        # Out of the actor's area: 403 with the reason, before anything else is looked at.
        require(actor, CASE_CREATE, Target(region_prefix=township.prefix))
    if data.event_region_code.strip():
        try:
            event_region = region_get_active(code=data.event_region_code.strip(), field="event_region_code")
        except DomainError as exc:
            errors.take(exc, "event_region_code")
    if data.event_at is None:
        errors.add("event_at", _("请填写发生时间"))
    elif data.event_at > now + CLOCK_SKEW:
        errors.add("event_at", _("发生时间不能晚于现在"), E.FUTURE_EVENT)
    elif data.event_at < now - timedelta(days=366 * 5):
        errors.add("event_at", _("发生时间过早：只受理五年以内发生的事项"))
    if not [c for c in data.categories if c and c.strip()]:
        errors.add("categories", _("请至少选择一个急难类别"), E.UNKNOWN_CATEGORY)
    categories = _codes(errors, "categories", data.categories, CaseCategory, E.UNKNOWN_CATEGORY)
    needs = _codes(errors, "needs", data.needs, NeedType, E.UNKNOWN_NEED)
    description = data.description.strip()
    if not description:
        errors.add("description", _("请填写情况描述"))
    elif len(description) > MAX_DESCRIPTION:
        errors.add("description", _("不能超过 %(n)s 个字符") % {"n": MAX_DESCRIPTION})
    if data.urgency not in Urgency.values:
        errors.add("urgency", _("紧急程度无效"))
    for name, value, limit in (("subject_name", data.subject_name, 50),
                               ("subject_description", data.subject_description, 300),
                               ("reporter_name", data.reporter_name, 50),
                               ("reporter_relation", data.reporter_relation, 30),
                               ("event_place", data.event_place, 200), ("crisis_note", data.crisis_note, 300)):
        if len(value.strip()) > limit:
            errors.add(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    if data.crisis and not data.crisis_note.strip():
        errors.add("crisis_note", _("标记危机个案时请写明危机情况"))
    phone = ""
    if data.reporter_phone.strip():
        try:
            phone = normalise_phone(data.reporter_phone, field="reporter_phone")
        except DomainError as exc:
            errors.take(exc, "reporter_phone")
    work_orders: dict[str, str] = {}
    for kind, number in (data.work_orders or {}).items():
        number = str(number or "").strip()
        if kind not in WORK_ORDER_KINDS:
            errors.add("work_orders", _("工单类型只能是 12345、110 或 120"))
        elif number and (len(number) > 40 or not number.replace("-", "").isalnum()):
            errors.add(f"work_orders.{kind}", _("工单编号只能含字母、数字和连字符，不超过 40 个字符"))
        elif number:
            work_orders[kind] = number
    person, household = _subject(errors, actor, person_id=data.person_id, household_id=data.household_id,
                                 new_person=data.new_person,
                                 named=bool(data.subject_name.strip() or data.subject_description.strip()))
    checked_uploads: list[files.CheckedFile] = []
    try:
        checked_uploads = files.check_files(uploads)
    except DomainError as exc:
        errors.take(exc, "attachments")
    errors.raise_if_any()
    assert township is not None
    return _Checked(data.channel, township, event_region, person, household, phone, categories, needs,
                    work_orders, checked_uploads)


def _take_number(township: Region, year: int) -> int | None:
    """Increment the counter in one statement (its row stays locked until the transaction ends);
    None if the township has no counter for the year yet."""
    meta = CaseNumberCounter._meta
    connection = connections[router.db_for_write(CaseNumberCounter)]
    column = {f.name: connection.ops.quote_name(f.column or f.name) for f in meta.concrete_fields
              if f.name in ("last", "township", "year")}
    # Names from the model, quoted; values as parameters. PostgreSQL and SQLite both return the row.
    sql = (f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {column['last']} = {column['last']} + 1 "  # noqa: S608
           f"WHERE {column['township']} = %s AND {column['year']} = %s RETURNING {column['last']}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [township.pk, year])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _next_number(township: Region, year: int) -> str:
    """``JJ`` + township code + year + a sequence per township and year, taken under a row lock
    so two intakes in the same township never get the same number."""
    last = _take_number(township, year)
    if last is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(township=township, year=year, last=0)
        except IntegrityError:
            pass  # another intake created it first; take from theirs
        last = _take_number(township, year)
        assert last is not None  # the row exists now
    return f"JJ{township.code}{year}{last:05d}"


def _replay(actor: Any, key: str, digest: str) -> Case | None:
    """The case an earlier submission with this key made, if the body is the same; 409 if not."""
    if not key:
        return None
    # Most keys are new: look at three columns first, load the case only for a replay.
    found = next(iter(Case.objects.filter(created_by=actor if getattr(actor, "pk", None) else None,
                                          client_key=key).order_by()
                      .values_list("pk", "request_digest", "number")[:1]), None)
    if found is None:
        return None
    pk, request_digest, number = found
    if request_digest != digest:
        raise Conflict(_("该提交键（client_key）已用于另一份内容不同的申请（事项 %(number)s）；"
                         "重新提交请使用新的提交键") % {"number": number},
                       code=E.CLIENT_KEY_REUSED, field_errors={"client_key": [_("提交键已被使用")]})
    return Case.objects.get(pk=pk)


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    created: bool  # False: a retried submission answered with the case it made before


def case_intake(*, actor: Any, data: IntakeInput, attachments: list[files.Upload] | None = None) -> IntakeResult:
    """Take up a case from any channel, triage it, alert on a crisis and tell the applicant."""
    uploads = attachments or []
    key = (data.client_key or "").strip()[:80]
    digest = data.digest(uploads)
    existing = _replay(actor, key, digest)
    if existing is not None:
        return IntakeResult(existing, False)
    now = timezone.now()
    checked = _check(actor, data, uploads, now)
    try:
        with files.removed_on_failure() as stored, transaction.atomic():
            case = _create(actor, data, checked, key=key, digest=digest, now=now, stored=stored)
    except IntegrityError:
        # The same key submitted twice at once: the other request made the case.
        again = _replay(actor, key, digest)
        if again is None:
            raise
        return IntakeResult(again, False)
    return IntakeResult(case, True)


def _create(actor: Any, data: IntakeInput, checked: _Checked, *, key: str, digest: str, now: datetime,
            stored: WrittenFiles) -> Case:
    user = actor if getattr(actor, "pk", None) else None
    assert data.event_at is not None  # checked
    person, household = checked.person, checked.household
    if data.new_person is not None:
        person = registry_services.person_create(actor=actor, data=data.new_person)
    subject_kind = _subject_kind(person, household,
                                 household_chosen=data.household_id is not None and data.person_id is None)
    crisis = bool(data.crisis)
    stage = INTAKE_STAGE[Channel(checked.channel)]
    event_at = data.event_at.astimezone(UTC) if timezone.is_aware(data.event_at) else data.event_at
    # The case is returned as a read would give it (the phone sealed, so it prints masked; times in
    # UTC): the API answers with it without reading it back.
    case = Case(
        stage=stage, channel=checked.channel,
        handling_region=checked.township, subject_kind=subject_kind, person=person, household=household,
        subject_name=(person.name if person is not None else data.subject_name.strip()),
        subject_description=data.subject_description.strip(), reporter_name=data.reporter_name.strip(),
        reporter_phone=_sealed_phone(checked.phone),
        reporter_phone_index=crypto.blind_index(checked.phone, purpose=REPORTER_PHONE_PURPOSE)
        if checked.phone else "",
        reporter_relation=data.reporter_relation.strip(), event_at=event_at,
        event_region=checked.event_region, event_place=data.event_place.strip(),
        categories=checked.categories, needs=checked.needs, description=data.description.strip(),
        urgency=Urgency.CRITICAL if crisis else data.urgency, crisis=crisis, crisis_note=data.crisis_note.strip(),
        work_orders=checked.work_orders, client_key=key, request_digest=digest,
        owner=responsible_for(actor, checked.township, stage),
        accepted_at=now if stage == Stage.ACCEPTED else None,
        created_at=now, updated_at=now, created_by=user,
    )
    # The number first: its lock orders intakes in a township, so a case of the same person taken
    # at the same moment is seen by the duplicate check. Then triage, so the case is written once.
    case.number = _next_number(checked.township, timezone.localdate(now).year)
    case.triage, triage_events = triage.triage_assess(case=case, actor=actor, declared_urgency=data.urgency,
                                                      now=now)
    case.save(force_insert=True)
    region_code = checked.township.code
    # The case's events in the order they were always written: intake, subject, files, triage.
    intake = message(gettext_noop("%(channel)s登记，事项编号 %(number)s，阶段：%(stage)s"), {
        "channel": Channel(case.channel).label, "number": case.number, "stage": Stage(case.stage).label})
    events = [case_event_build(case=case, kind="intake", text=intake, actor=actor, at=now,
                               data={"channel": case.channel, "stage": case.stage,
                                     "work_orders": checked.work_orders})]
    if data.new_person is not None and person is not None:
        events.append(case_event_build(case=case, kind="subject_registered",
                                       text=message(gettext_noop("登记新救助对象 %(name)s"), {"name": person.name}),
                                       actor=actor, data={"person_id": person.pk}))
    for upload in checked.uploads:
        _attach(case, upload, actor=actor, stored=stored, events=events)
    case_events_record(events + triage_events)
    audit_record(actor=actor, action="cases.case.intake", subject=case, subject_label=case.number,
                 region_code=region_code, changes={
                     "stage": (None, case.stage), "channel": (None, case.channel),
                     "categories": (None, case.categories), "needs": (None, case.needs),
                     "urgency": (None, case.urgency), "crisis": (None, case.crisis),
                     "subject_kind": (None, case.subject_kind),
                     "reporter_phone": (None, case.reporter_phone_index or None)})
    outbox = [outbox_message(type="cases.case.intake", subject_type=CASE_SUBJECT, subject_id=str(case.pk), payload={
        "id": case.pk, "number": case.number, "region_code": region_code, "stage": case.stage,
        "channel": case.channel, "crisis": case.crisis, "version": case.version})]
    if case.crisis:
        outbox_write_many(outbox)  # before the alert's own messages: the outbox keeps them in order
        outbox = []
        crisis_start(case=case, actor=actor, now=now)
    notices.case_notify_accepted(case=case, phone=checked.phone or _person_phone(person), batch=outbox)
    outbox_write_many(outbox)
    # The deadline of the stage the case starts in (the staged workflow's table says which).
    stage_deadline_start(case=case, actor=actor, now=now)
    return case


def _subject_kind(person: Person | None, household: Household | None, *, household_chosen: bool) -> str:
    if household is not None and household_chosen:
        return SubjectKind.HOUSEHOLD
    return SubjectKind.PERSON if person is not None else SubjectKind.UNIDENTIFIED


@dataclass(frozen=True)
class IdentifyInput:
    """Who the unidentified subject turned out to be: a registry person, a household (with the
    member who applied, else its head), or a person registered now."""

    person_id: int | None = None
    household_id: int | None = None
    new_person: registry_services.PersonInput | None = None
    note: str = ""


def case_subject_identify(*, actor: Any, case: Case, version: Any, data: IdentifyInput) -> Case:
    """Attach a registry person (or household) to a case taken up without one (确认对象身份): the
    original name and description stay on the case and its timeline; the case can then be reviewed."""
    require(actor, SUBJECT_IDENTIFY, Target(region_prefix=case.handling_region.prefix))
    note = (data.note or "").strip()
    if len(note) > 300:
        raise DomainError.for_field("note", _("不能超过 %(n)s 个字符") % {"n": 300})
    with transaction.atomic():
        locked = case_locked(case, version)
        if locked.subject_kind != SubjectKind.UNIDENTIFIED:
            raise DomainError(_("该事项的对象已确认身份"), code=E.SUBJECT_IDENTIFIED, status=409)
        if locked.stage not in IDENTIFY_STAGES:
            raise DomainError(_("事项当前处于“%(stage)s”阶段，不能再确认对象身份") % {
                "stage": Stage(locked.stage).label}, code=E.INVALID_TRANSITION, status=409)
        errors = _Errors()
        if data.person_id is None and data.household_id is None and data.new_person is None:
            errors.add("person_id", _("请选择救助对象或家庭，或登记新对象"), E.UNKNOWN_SUBJECT)
        person, household = _subject(errors, actor, person_id=data.person_id, household_id=data.household_id,
                                     new_person=data.new_person, named=True)
        errors.raise_if_any()
        if data.new_person is not None:
            person = registry_services.person_create(actor=actor, data=data.new_person)
        assert person is not None
        now = timezone.now()
        before = {"subject_kind": locked.subject_kind, "name": locked.subject_name,
                  "description": locked.subject_description}
        locked.person, locked.household = person, household
        locked.subject_kind = _subject_kind(person, household,
                                            household_chosen=data.household_id is not None and data.person_id is None)
        locked.subject_name = person.name
        locked.version += 1
        locked.updated_at = now
        locked.save()
        was = "；".join(x for x in (before["name"], before["description"]) if x) or gettext_lazy("未留称呼或特征")
        summary = message(gettext_noop("确认对象身份：%(name)s（登记时身份不明：%(was)s）"), {
            "name": person.name, "was": was})
        if note:
            summary = joined([summary, message(gettext_noop("；说明：%(note)s"), {"note": note})])
        case_event_record(case=locked, kind="subject_identified", text=summary, actor=actor, at=now,
                          data={"person_id": person.pk, "household_id": household.pk if household else None,
                                "registered": data.new_person is not None, "before": before, "note": note})
        audit_record(actor=actor, action=SUBJECT_IDENTIFY, subject=locked, subject_label=locked.number,
                     region_code=locked.handling_region.code, note=note, changes={
                         "subject_kind": (before["subject_kind"], locked.subject_kind),
                         "person_id": (None, person.pk), "household_id": (None, household.pk if household else None),
                         "version": (locked.version - 1, locked.version)})
        outbox_write(type="cases.case.subject_identified", subject_type=CASE_SUBJECT, subject_id=str(locked.pk),
                     payload={"id": locked.pk, "number": locked.number, "region_code": locked.handling_region.code,
                              "version": locked.version, "at": now.isoformat()})
        return locked


def _sealed_phone(phone: str) -> Any:
    """The reporter's phone encrypted now, as the field loads it (a ``Protected``): saving keeps
    the envelope, and the case shows it masked like a case read from the database."""
    if not phone:
        return None
    field = Case._meta.get_field("reporter_phone")
    assert isinstance(field, EncryptedTextField)
    return Protected(crypto.encrypt(phone, purpose=field.purpose), purpose=field.purpose, mask=field.mask)


def _person_phone(person: Person | None) -> str:
    if person is None or person.phone is None:
        return ""
    value = person.phone
    return value.reveal() if hasattr(value, "reveal") else str(value)


def _attach(case: Case, upload: files.CheckedFile, *, actor: Any, stored: WrittenFiles,
            events: list[CaseEvent] | None = None) -> CaseAttachment:
    """Store the file and its row; its case event is written now, or added to ``events`` for the
    caller to write with the others."""
    relative = stored.store(upload)
    attachment = CaseAttachment.objects.create(
        case=case, name=upload.name, content_type=upload.content_type, size=len(upload.content),
        sha256=upload.sha256, storage_name=relative, uploaded_by=actor if getattr(actor, "pk", None) else None)
    event = case_event_build(case=case, kind="attachment",
                             text=message(gettext_noop("上传附件 %(name)s"), {"name": upload.name}),
                             actor=actor, data={"attachment_id": attachment.pk, "sha256": upload.sha256})
    if events is None:
        event.save(force_insert=True)
    else:
        events.append(event)
    return attachment


def case_attachment_add(*, actor: Any, case: Case, upload: files.Upload) -> CaseAttachment:
    """Add one file to a case (checked by content; stored outside the web root)."""
    if actor is not None and not can(actor, ATTACHMENT_ADD, Target(region_prefix=case.handling_region.prefix)):
        raise Forbidden(_("您不能为此事项上传附件"), code="forbidden")
    checked = files.check_file(upload, field="file")
    with files.removed_on_failure() as stored, transaction.atomic():
        attachment = _attach(case, checked, actor=actor, stored=stored)
        audit_record(actor=actor, action="cases.attachment.add", subject=case, subject_label=case.number,
                     region_code=case.handling_region.code,
                     changes={"attachment": (None, f"{attachment.name} ({attachment.sha256[:12]})")})
    return attachment


def on_call_add(*, actor: Any, county_code: str, user: Any, starts_at: datetime | None,
                ends_at: datetime | None, note: str = "") -> OnCallContact:
    """Put a member of staff on duty for a county's crisis alerts in a period: someone whose own
    grants reach the county, so that the alert's link opens a case they may act on."""
    errors = _Errors()
    county = None
    try:
        county = region_get_active(code=(county_code or "").strip(), field="county_code")
        if county.level != RegionLevel.COUNTY:
            errors.add("county_code", _("请填写县（区）的区划代码"), E.REGION_LEVEL)
    except DomainError as exc:
        errors.take(exc, "county_code")
    if user is None or not getattr(user, "is_active", False):
        errors.add("user", _("请选择在职的工作人员"))
    elif county is not None and county.level == RegionLevel.COUNTY and not grants_covering(
            region=county, roles=ON_CALL_ROLES).filter(user=user).exists():
        errors.add("user", _("该工作人员的授权范围不包括 %(county)s，不能排入该县（区）值班") % {
            "county": county.name}, E.ON_CALL_NOT_COVERED)
    if starts_at is None or ends_at is None:
        errors.add("ends_at", _("请填写值班的开始和结束时间"))
    elif ends_at <= starts_at:
        errors.add("ends_at", _("结束时间须晚于开始时间"))
    if len(note.strip()) > 200:
        errors.add("note", _("不能超过 %(n)s 个字符") % {"n": 200})
    errors.raise_if_any()
    assert county is not None and starts_at is not None and ends_at is not None
    require(actor, ON_CALL_MANAGE, Target(region_prefix=county.prefix))
    with transaction.atomic():
        duty = OnCallContact.objects.create(county=county, user=user, starts_at=starts_at, ends_at=ends_at,
                                            note=note.strip())
        audit_record(actor=actor, action="cases.on_call.add", subject=duty, region_code=county.code,
                     subject_label=f"{county.name} {user.full_name or user.username}",
                     changes={"user": (None, user.username), "starts_at": (None, starts_at),
                              "ends_at": (None, ends_at)})
    return duty


def crisis_start(*, case: Case, actor: Any, now: datetime) -> None:
    """The first-contact deadline in hours and the alert, inside the intake's transaction."""
    region_code = case.handling_region.code
    leads, on_call = triage.crisis_recipients(case, now)
    try:
        limit = parameter_value(triage.CRISIS_PARAMETER, region_code, now)
        count, unit, parameters = limit.value.count, limit.value.unit, {triage.CRISIS_PARAMETER: limit.version_id}
        note = ""
    except DomainError as exc:
        # No parameter in force: the alert still leaves, and the case carries the reason.
        count = unit = None
        parameters = {}
        note = str(exc.message)
    owner = actor if getattr(actor, "pk", None) else (leads[0] if leads else None)
    deadline = None
    if count is not None and owner is not None:
        deadline = deadline_start(actor=actor, subject_type=CASE_SUBJECT, subject_id=case.pk,
                                  region_code=region_code, kind=triage.CRISIS_KIND, start=now, limit=count, unit=unit,
                                  owner_user=owner, parameters=parameters)
    due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M") if deadline else ""
    recipients = list({u.pk: u for u in leads + on_call}.values())
    outbox_write(type=notices.CRISIS_EVENT, subject_type=CASE_SUBJECT, subject_id=str(case.pk), payload={
        "id": case.pk, "number": case.number, "region_code": region_code, "region": case.handling_region.name,
        "crisis_note": case.crisis_note, "due_at": deadline.due_at.isoformat() if deadline else None,
        "leads": [u.pk for u in leads], "on_call": [u.pk for u in on_call]})
    texted = notices.crisis_alert(case=case, recipients=recipients, due=due)
    summary = _crisis_summary(leads=leads, on_call=on_call, texted=texted)
    if deadline is not None:
        summary = joined([summary, message(gettext_noop("；首次接触时限 %(due)s"), {"due": due})])
    elif note:
        summary = joined([summary, message(gettext_noop("；未能设定时限：%(note)s"), {"note": note})])
    case_event_record(case=case, kind="crisis_alert", text=summary, at=now, actor=actor,
                      data={"recipients": [u.pk for u in recipients], "inbox": [u.pk for u in recipients],
                            "sms": [u.pk for u in texted], "sms_sent": len(texted),
                            "reached": bool(recipients), "deadline_id": deadline.pk if deadline else None})


# Timelines written before the alert named its channels still read in the reader's language.
EARLIER_CRISIS_TEXTS = (gettext_noop("危机预警已发出：%(n)s 人（%(names)s）"),)


def _names(users: list[Any]) -> Any:
    return joined([u.full_name or u.username for u in users], "、")


def _crisis_summary(*, leads: list[Any], on_call: list[Any], texted: list[Any]) -> Any:
    """Who the alert reached and how, for the timeline: the inbox always, a text message where a
    mobile number is on file; and plainly whom it could not find."""
    if not leads and not on_call:
        return message(gettext_noop("危机预警未能送达：该乡镇没有分管领导，该县（区）没有值班人员或审批人员"))
    recipients = list({u.pk: u for u in leads + on_call}.values())
    texted_ids = {u.pk for u in texted}
    parts: list[Any] = [message(gettext_noop("危机预警：站内通知 %(names)s"), {"names": _names(recipients)})]
    if texted:
        parts.append(message(gettext_noop("；短信 %(names)s"), {"names": _names(texted)}))
    unreached = [u for u in recipients if u.pk not in texted_ids]
    if unreached:
        parts.append(message(gettext_noop("；未登记手机号（仅站内通知）：%(names)s"), {"names": _names(unreached)}))
    if not leads:
        parts.append(message(gettext_noop("；该乡镇没有分管领导")))
    if not on_call:
        parts.append(message(gettext_noop("；该县（区）没有值班人员或审批人员")))
    return joined(parts)

"""Writes of the registry: persons, households and their members, program memberships, consents.

Each change runs in one transaction holding the change, its audit event and its outbox message;
a stale version is refused (409) and changes nothing. Bad input is refused as a whole with every
problem named by field, before anything is written. Protected values (ID number, phone, bank
account) never reach the audit trail or the outbox in clear.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.audit.services import access_log_record, audit_record, changes_between
from jijinan.core.errors import Conflict, DomainError, NotFound
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import Target, require
from jijinan.core.protected import crypto
from jijinan.core.protected.fields import Protected
from jijinan.core.protected.ids import IdCheck, InvalidIdNumber, normalise_phone, validate_id_number
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.selectors import region_get_active
from jijinan.registry.choices import (
    ALL_CATEGORIES,
    DisabilityCategory,
    Education,
    Employment,
    IdDocumentKind,
    MembershipStatus,
    PersonSource,
    ProgramSubject,
    Relation,
    Sex,
)
from jijinan.registry.errors import RegistryErrorCode as E
from jijinan.registry.models import (
    BANK_ACCOUNT_PURPOSE,
    ID_NUMBER_PURPOSE,
    PHONE_PURPOSE,
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
    ProgramType,
)
from jijinan.registry.names import name_code, name_keys
from jijinan.registry.permissions import (
    CONSENT_MANAGE,
    HOUSEHOLD_MANAGE,
    HOUSEHOLD_UNMASK,
    MEMBERSHIP_MANAGE,
    PERSON_MANAGE,
    PERSON_UNMASK,
    PROGRAM_TYPE_MANAGE,
)
from jijinan.registry.search import (
    given_name_values,
    household_address_index,
    id_number_partial_index,
    person_address_index,
    phone_partial_index,
)

PERSON_SUBJECT = "registry.person"
HOUSEHOLD_SUBJECT = "registry.household"
MAX_FEN = 10**13  # a hundred billion yuan: anything above is a typing error
RESIDENCE_LEVELS = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
# Province-level parts of GB/T 2260 codes (mainland, Taiwan, Hong Kong, Macau).
PROVINCE_PARTS = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82"})
_SEGMENTS = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))
_BANK_ACCOUNT = re.compile(r"[0-9]{8,32}")
_BANK_SEPARATORS = re.compile(r"[\s\-]")

T = TypeVar("T")


class _Errors:
    """Collects every problem of one input, so the clerk sees them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.code: str = "validation_error"

    def add(self, field_name: str, message: str, code: str | None = None) -> None:
        self.fields.setdefault(field_name, []).append(str(message))
        if code and self.code == "validation_error":
            self.code = code

    def take(self, exc: DomainError, field_name: str) -> None:
        for name, messages in (exc.field_errors or {field_name: [str(exc.message)]}).items():
            for message in messages:
                self.add(name, message, exc.code)

    def attempt(self, field_name: str, func: Callable[[], T]) -> T | None:
        try:
            return func()
        except DomainError as exc:
            self.take(exc, field_name)
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=self.fields, code=self.code)


def _emit(*, actor: Any, action: str, subject: Any, subject_type: str, region_code: str,
          changes: dict[str, Any] | None = None, note: str = "", label: str = "",
          payload: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, subject=subject, region_code=region_code,
                 changes=changes, note=note, subject_label=label)
    outbox_write(type=action, subject_type=subject_type, subject_id=str(subject.pk),
                 payload={"id": subject.pk, "region_code": region_code,
                          "version": getattr(subject, "version", None), **(payload or {})})


def _check_version(current: Any, version: int, what: str) -> None:
    if current.version != version:
        raise Conflict(_("该%(what)s已被他人修改，请刷新后重试") % {"what": what}, code=E.STALE_VERSION,
                       field_errors={"version": [_("版本已过期")]})


def _text(errors: _Errors, field_name: str, value: str, limit: int, *, required: bool = False,
          label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors.add(field_name, _("请填写%(label)s") % {"label": label})
    elif len(value) > limit:
        errors.add(field_name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return value


# --- regions --------------------------------------------------------------------------------------
def check_region_code(code: str, *, field_name: str) -> str:
    """A well-formed 12-digit division code (the region need not be in the loaded tree)."""
    code = (code or "").strip()
    bad = DomainError.for_field(
        field_name, _("区划代码格式不正确：应为 12 位数字，前两位为省级代码，如 320102002001"),
        code=E.INVALID_REGION_CODE)
    if not re.fullmatch(r"[0-9]{12}", code) or code[:2] not in PROVINCE_PARTS:
        raise bad
    # Once a level is zero every level below it is zero (320000001000 names no real division).
    parts = [code[a:b] for a, b in _SEGMENTS]
    for upper, lower in itertools.pairwise(parts):
        if upper.strip("0") == "" and lower.strip("0") != "":
            raise bad
    return code


def residence_region(code: str, *, field_name: str = "residence_region_code") -> Region:
    """An active township or village of the tree: where a person or household lives."""
    code = check_region_code(code, field_name=field_name)
    region = region_get_active(code=code, field=field_name)
    if region.level not in RESIDENCE_LEVELS:
        raise DomainError.for_field(field_name, _("居住地须选择到乡镇（街道）或村（社区）"),
                                    code=E.REGION_LEVEL)
    return region


@dataclass(frozen=True)
class RegisteredRegion:
    code: str
    name: str
    region: Region | None


def registered_region(code: str, name: str) -> RegisteredRegion:
    """户籍地: a code in the tree takes the tree's name; a well-formed code outside it is kept as
    given with its typed name (a migrant's home county); a malformed code is refused."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        return RegisteredRegion("", name[:100], None)
    code = check_region_code(code, field_name="registered_region_code")
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return RegisteredRegion(code, region.name, region)
    if not name:
        raise DomainError.for_field(
            "registered_region_name", _("区划代码 %(code)s 不在本系统的区划库中，请填写户籍地名称") % {
                "code": code}, code=E.INVALID_REGION_CODE)
    if len(name) > 100:
        raise DomainError.for_field("registered_region_name", _("不能超过 %(n)s 个字符") % {"n": 100})
    return RegisteredRegion(code, name, None)


# --- persons --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonInput:
    """What a clerk declares about a person. ``id_number``/``phone`` None: leave unchanged."""

    name: str
    residence_region_code: str
    id_number: str | None = None
    id_unknown: bool = False
    sex: str = ""  # "" or "U": taken from the ID number
    birth_date: date | None = None
    phone: str | None = None
    registered_region_code: str = ""
    registered_region_name: str = ""
    residence_address: str = ""
    disability_category: str = ""
    disability_grade: int | None = None
    serious_illness: bool = False
    health_conditions: str = ""
    employment: str = Employment.UNKNOWN
    education: str = Education.UNKNOWN
    living_alone: bool = False
    situation: str = ""


@dataclass
class _PersonValues:
    values: dict[str, Any]
    region: Region
    id_check: IdCheck | None  # a new ID number (None: unchanged or none)
    notes: list[str] = field(default_factory=list)


def _plain(value: Protected | str | None) -> str | None:
    """A protected value in clear, whether loaded (Protected) or just assigned (str)."""
    if value is None:
        return None
    return value.reveal() if isinstance(value, Protected) else value


def _id_of(person: Person | None) -> IdCheck | None:
    number = _plain(person.id_number) if person is not None else None
    return validate_id_number(number) if number else None


def _validate_person(data: PersonInput, *, current: Person | None, today: date) -> _PersonValues:
    errors = _Errors()
    name = _text(errors, "name", data.name, 50, required=True, label=_("姓名"))
    if name and not any(c.isalpha() for c in name):
        errors.add("name", _("姓名应包含文字"))
    region = errors.attempt("residence_region_code", lambda: residence_region(data.residence_region_code))
    registered = errors.attempt("registered_region_code", lambda: registered_region(
        data.registered_region_code, data.registered_region_name))

    # The ID number: new, unchanged, or none (a temporary number instead).
    id_check: IdCheck | None = None
    known: IdCheck | None = None  # the ID the record will carry
    raw = (data.id_number or "").strip()
    if data.id_unknown:
        if raw:
            errors.add("id_number", _("已选择“身份不明”，不能同时填写身份证号"))
        elif current is not None and not current.id_unknown:
            errors.add("id_unknown", _("已登记身份证号的人员不能改为身份不明"))
    elif raw:
        try:
            id_check = known = validate_id_number(raw, field="id_number", today=today)
        except InvalidIdNumber as exc:
            errors.take(exc, "id_number")
        else:
            index = crypto.blind_index(id_check.canonical, purpose=ID_NUMBER_PURPOSE)
            duplicates = Person.objects.filter(id_number_index=index)
            if current is not None:
                duplicates = duplicates.exclude(pk=current.pk)
            if duplicates.exists():
                errors.add("id_number", _("该身份证号已登记，请查找已有的记录后修改，不要重复登记"),
                           E.DUPLICATE_ID_NUMBER)
    elif current is not None and not current.id_unknown:
        known = _id_of(current)
    else:
        errors.add("id_number", _("请填写身份证号；无证件的人员请选择“身份不明”，系统给出临时编号"))

    # Sex and birth date: read from the ID number and checked against what was declared.
    sex = data.sex or Sex.UNKNOWN
    if sex not in Sex.values:
        errors.add("sex", _("性别无效"))
    birth_date = data.birth_date
    if known is not None:
        if sex != Sex.UNKNOWN and sex != known.sex:
            errors.add("sex", _("填写的性别（%(declared)s）与身份证号不符：身份证号显示为%(id)s") % {
                "declared": Sex(sex).label, "id": Sex(known.sex).label}, E.ID_CONTRADICTION)
        if birth_date is not None and birth_date != known.birth_date:
            errors.add("birth_date", _("填写的出生日期 %(declared)s 与身份证号不符：身份证号中的出生日期为 %(id)s")
                       % {"declared": birth_date.isoformat(), "id": known.birth_date.isoformat()},
                       E.ID_CONTRADICTION)
        sex, birth_date = known.sex, known.birth_date
    elif birth_date is not None and not date(1900, 1, 1) <= birth_date <= today:
        errors.add("birth_date", _("出生日期应在 1900-01-01 与今天之间"))

    phone_values: dict[str, Any] = {}
    if data.phone is not None:
        if data.phone.strip():
            phone = errors.attempt("phone", lambda: normalise_phone(data.phone or "", field="phone"))
            if phone:
                phone_values = {"phone": phone,
                                "phone_index": crypto.blind_index(phone, purpose=PHONE_PURPOSE),
                                "phone_partial_index": phone_partial_index(phone)}
        else:
            phone_values = {"phone": None, "phone_index": "", "phone_partial_index": ""}

    category = data.disability_category or ""
    grade = data.disability_grade
    if category not in DisabilityCategory.values:
        errors.add("disability_category", _("残疾类别无效"))
    elif category and grade not in (1, 2, 3, 4):
        errors.add("disability_grade", _("请选择残疾等级（一至四级）"))
    elif not category and grade is not None:
        errors.add("disability_category", _("填写残疾等级时须选择残疾类别"))
    if data.employment not in Employment.values:
        errors.add("employment", _("就业状况无效"))
    if data.education not in Education.values:
        errors.add("education", _("文化程度无效"))
    address = _text(errors, "residence_address", data.residence_address, 200)
    health = _text(errors, "health_conditions", data.health_conditions, 300)
    situation = _text(errors, "situation", data.situation, 2000)
    errors.raise_if_any()
    assert region is not None and registered is not None

    values: dict[str, Any] = {
        "name": name, "sex": sex, "birth_date": birth_date,
        "residence_region": region, "residence_address": address,
        "registered_region_code": registered.code, "registered_region_name": registered.name,
        "registered_region": registered.region,
        "disability_category": category, "disability_grade": grade if category else None,
        "serious_illness": bool(data.serious_illness), "health_conditions": health,
        "employment": data.employment, "education": data.education,
        "living_alone": bool(data.living_alone), "situation": situation, **phone_values,
    }
    values["name_pinyin"], values["name_initials"] = name_keys(name)
    values["name_code"] = name_code(name)
    values.update(given_name_values(name))
    notes: list[str] = []
    if id_check is not None:
        values.update(id_number=id_check.canonical, id_unknown=False, id_kind=str(id_check.kind),
                      id_number_index=crypto.blind_index(id_check.canonical, purpose=ID_NUMBER_PURPOSE),
                      id_number_partial_index=id_number_partial_index(id_check.canonical))
        notes = [str(w) for w in id_check.warnings]
    elif data.id_unknown:
        values.update(id_unknown=True, id_kind=IdDocumentKind.TEMPORARY, id_number=None, id_number_index=None,
                      id_number_partial_index=None)
    return _PersonValues(values=values, region=region, id_check=id_check, notes=notes)


def _person_fields(p: Person) -> dict[str, Any]:
    """What the audit shows of a person; protected values only as 'changed' (redacted)."""
    return {
        "name": p.name, "id_number": p.id_number_index, "id_unknown": p.id_unknown,
        "temporary_number": p.temporary_number, "sex": p.sex, "birth_date": p.birth_date,
        "phone": p.phone_index, "registered_region": p.registered_region_code,
        "registered_region_name": p.registered_region_name,
        "residence_region": p.residence_region.code, "residence_address": p.residence_address,
        "disability_category": p.disability_category, "disability_grade": p.disability_grade,
        "serious_illness": p.serious_illness, "health_conditions": p.health_conditions,
        "employment": p.employment, "education": p.education, "living_alone": p.living_alone,
        "situation": p.situation,
    }


PROTECTED_PERSON_FIELDS = ["id_number", "phone"]


def temporary_number_for(person: Person) -> str:
    """``TMP-<residence region code>-<sequence>``: the sequence is the record's own number."""
    return f"TMP-{person.residence_region.code}-{person.pk:07d}"


def _save_person(save: Callable[[], Person]) -> Person:
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as exc:
        if "id_number" in str(exc) or "registry_person_unique" in str(exc):
            raise DomainError.for_field("id_number", _("该身份证号已登记，请查找已有的记录后修改，不要重复登记"),
                                        code=E.DUPLICATE_ID_NUMBER) from None
        raise


def person_create(*, actor: Any, data: PersonInput, source: str = PersonSource.MANUAL) -> Person:
    """Register a person (actor None: the demo and imports run by the system)."""
    today = timezone.localdate()
    checked = _validate_person(data, current=None, today=today)
    if actor is not None:
        require(actor, PERSON_MANAGE, Target(region_prefix=checked.region.prefix))

    def save() -> Person:
        now = timezone.now()
        person = Person(**checked.values, source=source, created_at=now, updated_at=now,
                        created_by=actor if getattr(actor, "pk", None) else None)
        person.save()
        if person.id_unknown:
            person.temporary_number = temporary_number_for(person)
            person.save(update_fields=["temporary_number"])
        person.refresh_from_db(fields=["id_number", "phone"])  # Protected values, as when loaded
        person_address_index(person)
        _emit(actor=actor, action="registry.person.create", subject=person, subject_type=PERSON_SUBJECT,
              region_code=person.residence_region.code, label=person.name, note="；".join(checked.notes),
              changes=changes_between({}, _person_fields(person), redact=PROTECTED_PERSON_FIELDS))
        return person

    return _save_person(save)


def person_update(*, actor: Any, person: Person, version: int, data: PersonInput) -> Person:
    today = timezone.localdate()
    require(actor, PERSON_MANAGE, Target(region_prefix=person.residence_region.prefix))
    checked = _validate_person(data, current=person, today=today)
    require(actor, PERSON_MANAGE, Target(region_prefix=checked.region.prefix))

    def save() -> Person:
        current = Person.objects.select_for_update(of=("self",)).select_related("residence_region") \
            .get(pk=person.pk)
        _check_version(current, version, _("人员"))
        before = _person_fields(current)
        moved = current.residence_region_id != checked.region.pk
        for key, value in checked.values.items():
            setattr(current, key, value)
        if current.id_unknown and not current.temporary_number:
            current.temporary_number = temporary_number_for(current)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        current.refresh_from_db(fields=["id_number", "phone"])
        person_address_index(current)
        if moved:
            # Programs recorded for the person live where the person lives.
            Membership.objects.filter(person=current).update(region=checked.region)
        _emit(actor=actor, action="registry.person.update", subject=current, subject_type=PERSON_SUBJECT,
              region_code=current.residence_region.code, label=current.name, note="；".join(checked.notes),
              changes=changes_between(before, _person_fields(current), redact=PROTECTED_PERSON_FIELDS))
        return current

    return _save_person(save)


@dataclass(frozen=True)
class Revealed:
    """Plaintext of one record's protected fields, shown once."""

    values: dict[str, str]


def person_unmask(*, actor: Any, person: Person, purpose: str = "") -> Revealed:
    """The person's ID number and phone in clear, with an access-log row (the caller has
    already checked visibility; a role without the right is refused here with 403)."""
    require(actor, PERSON_UNMASK, Target(region_prefix=person.residence_region.prefix))
    values = {}
    for name in ("id_number", "phone"):
        plain = _plain(getattr(person, name))
        if plain is not None:
            values[name] = plain
    with transaction.atomic():
        access_log_record(actor=actor, kind="unmask", subject=person, subject_label=person.name,
                          region_code=person.residence_region.code,
                          fields=sorted(values) or ["id_number"], purpose=purpose.strip()[:200])
    return Revealed(values)


# --- households -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseholdInput:
    """A household's declarations. ``bank_account`` None: leave unchanged; "": remove."""

    region_code: str
    address: str = ""
    monthly_income_fen: int = 0
    financial_assets_fen: int = 0
    housing_area_m2: Decimal | None = None
    vehicles: int = 0
    property_note: str = ""
    declared_on: date | None = None
    bank_name: str = ""
    bank_account: str | None = None
    bank_account_holder: str = ""


@dataclass(frozen=True)
class MemberInput:
    person: Person
    relation: str


def _validate_household(data: HouseholdInput, *, today: date) -> tuple[dict[str, Any], Region]:
    errors = _Errors()
    region = errors.attempt("region_code", lambda: residence_region(data.region_code, field_name="region_code"))
    address = _text(errors, "address", data.address, 200)
    for name in ("monthly_income_fen", "financial_assets_fen"):
        value = getattr(data, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
            errors.add(name, _("金额应为不小于 0 的整数（单位：分）"))
    area = data.housing_area_m2
    if area is not None:
        try:
            area = Decimal(area).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            errors.add("housing_area_m2", _("住房面积应为数字"))
            area = None
        else:
            if not Decimal(0) <= area < Decimal(1_000_000):
                errors.add("housing_area_m2", _("住房面积应在 0 到 999999.99 平方米之间"))
    if isinstance(data.vehicles, bool) or not isinstance(data.vehicles, int) or not 0 <= data.vehicles <= 99:
        errors.add("vehicles", _("机动车数量应为 0 到 99 的整数"))
    if data.declared_on is not None and data.declared_on > today:
        errors.add("declared_on", _("申报日期不能晚于今天"))
    note = _text(errors, "property_note", data.property_note, 300)
    bank_name = _text(errors, "bank_name", data.bank_name, 100)
    holder = _text(errors, "bank_account_holder", data.bank_account_holder, 50)
    values: dict[str, Any] = {}
    if data.bank_account is not None:
        account = _BANK_SEPARATORS.sub("", data.bank_account)
        if account and not _BANK_ACCOUNT.fullmatch(account):
            errors.add("bank_account", _("银行账号应为 8 到 32 位数字"))
        values["bank_account"] = account or None
    errors.raise_if_any()
    assert region is not None
    values.update(region=region, address=address, monthly_income_fen=data.monthly_income_fen,
                  financial_assets_fen=data.financial_assets_fen, housing_area_m2=area,
                  vehicles=data.vehicles, property_note=note, declared_on=data.declared_on,
                  bank_name=bank_name, bank_account_holder=holder)
    return values, region


def _digest(value: Protected | str | None, purpose: str) -> str | None:
    plain = _plain(value)
    return None if plain is None else crypto.blind_index(plain, purpose=purpose)


def _household_fields(h: Household) -> dict[str, Any]:
    return {
        "region": h.region.code, "address": h.address, "monthly_income_fen": h.monthly_income_fen,
        "financial_assets_fen": h.financial_assets_fen, "housing_area_m2": h.housing_area_m2,
        "vehicles": h.vehicles, "property_note": h.property_note, "declared_on": h.declared_on,
        "bank_name": h.bank_name, "bank_account_holder": h.bank_account_holder,
        # Compared by a keyed digest (an envelope differs on every write); shown only as changed.
        "bank_account": _digest(h.bank_account, BANK_ACCOUNT_PURPOSE),
    }


def _active_household_of(person: Person) -> HouseholdMember | None:
    return HouseholdMember.objects.select_related("household").filter(
        person=person, left_on__isnull=True).first()


def _already_in_household(person: Person) -> str:
    return _("%(name)s 已是另一户的成员，一人同时只能属于一户：请先从原家庭移出") % {"name": person.name}


def _check_members(members: list[MemberInput]) -> None:
    errors = _Errors()
    heads = [m for m in members if m.relation == Relation.HEAD]
    if not heads:
        errors.add("members", _("须指定一位户主"), E.NO_HEAD)
    elif len(heads) > 1:
        errors.add("members", _("一户只能有一位户主，当前指定了 %(n)s 位：%(names)s") % {
            "n": len(heads), "names": "、".join(m.person.name for m in heads)}, E.TWO_HEADS)
    seen: set[int] = set()
    for m in members:
        if m.relation not in Relation.values:
            errors.add("members", _("与户主关系无效：%(value)s") % {"value": m.relation})
        if m.person.pk in seen:
            errors.add("members", _("%(name)s 被重复列入") % {"name": m.person.name})
        seen.add(m.person.pk)
    errors.raise_if_any()


def _lock_people(people: list[Person]) -> None:
    """Lock the members-to-be, so that two households cannot take the same person at once."""
    list(Person.objects.select_for_update().filter(pk__in=[p.pk for p in people]).values_list("pk"))


def _member_conflicts(members: list[MemberInput], *, household: Household | None = None) -> None:
    errors = _Errors()
    for m in members:
        active = _active_household_of(m.person)
        if active is not None and (household is None or active.household_id != household.pk):
            errors.add("members" if household is None else "person_id", _already_in_household(m.person),
                       E.ALREADY_IN_HOUSEHOLD)
    errors.raise_if_any()


def _household_integrity(save: Callable[[], T]) -> T:
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as exc:
        text = str(exc)
        if "one_head" in text:
            raise DomainError.for_field("members", _("一户只能有一位户主"), code=E.TWO_HEADS) from None
        if "one_active_household" in text:
            raise DomainError.for_field("members", _("该人员已是另一户的成员，一人同时只能属于一户"),
                                        code=E.ALREADY_IN_HOUSEHOLD) from None
        raise


def household_create(*, actor: Any, data: HouseholdInput, members: list[MemberInput]) -> Household:
    today = timezone.localdate()
    values, region = _validate_household(data, today=today)
    _check_members(members)
    if actor is not None:
        require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=region.prefix))

    def save() -> Household:
        _lock_people([m.person for m in members])
        _member_conflicts(members)
        now = timezone.now()
        household = Household.objects.create(**values, created_at=now, updated_at=now,
                                             created_by=actor if getattr(actor, "pk", None) else None)
        household.refresh_from_db(fields=["bank_account"])
        household_address_index(household)
        # The head first: the relations of the others are to the head.
        ordered = sorted(members, key=lambda m: m.relation != Relation.HEAD)
        HouseholdMember.objects.bulk_create([
            HouseholdMember(household=household, person=m.person, relation=m.relation, joined_on=today)
            for m in ordered])
        head = next(m.person for m in ordered if m.relation == Relation.HEAD)
        _emit(actor=actor, action="registry.household.create", subject=household,
              subject_type=HOUSEHOLD_SUBJECT, region_code=region.code, label=_("%(name)s户") % {"name": head.name},
              changes={**changes_between({}, _household_fields(household), redact=["bank_account"]),
                       "members": (None, [f"{m.person.name}（{Relation(m.relation).label}）" for m in ordered])},
              payload={"members": [m.person.pk for m in ordered], "head": head.pk})
        return household

    return _household_integrity(save)


def _locked_household(household: Household, version: int) -> Household:
    current = Household.objects.select_for_update(of=("self",)).select_related("region").filter(
        pk=household.pk).first()
    if current is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    _check_version(current, version, _("家庭"))
    return current


def household_label(household: Household) -> str:
    head = HouseholdMember.objects.filter(household=household, relation=Relation.HEAD,
                                          left_on__isnull=True).select_related("person").first()
    return _("%(name)s户") % {"name": head.person.name} if head else str(household)


def _bump(household: Household) -> None:
    household.version += 1
    household.updated_at = timezone.now()
    household.save(update_fields=["version", "updated_at"])


def household_update(*, actor: Any, household: Household, version: int, data: HouseholdInput) -> Household:
    today = timezone.localdate()
    require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=household.region.prefix))
    values, region = _validate_household(data, today=today)
    require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=region.prefix))

    def save() -> Household:
        current = _locked_household(household, version)
        before = _household_fields(current)
        moved = current.region_id != region.pk
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        current.refresh_from_db(fields=["bank_account"])
        household_address_index(current)
        if moved:
            Membership.objects.filter(household=current).update(region=region)
        _emit(actor=actor, action="registry.household.update", subject=current,
              subject_type=HOUSEHOLD_SUBJECT, region_code=current.region.code,
              label=household_label(current),
              changes=changes_between(before, _household_fields(current), redact=["bank_account"]))
        return current

    return _household_integrity(save)


def household_member_add(*, actor: Any, household: Household, version: int, person: Person,
                         relation: str) -> HouseholdMember:
    require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=household.region.prefix))
    if relation not in Relation.values:
        raise DomainError.for_field("relation", _("与户主关系无效"))
    if relation == Relation.HEAD:
        raise DomainError.for_field("relation", _("该户已有户主，一户只能有一位户主；更换户主请用“设为户主”"),
                                    code=E.TWO_HEADS)

    def save() -> HouseholdMember:
        current = _locked_household(household, version)
        _lock_people([person])
        active = _active_household_of(person)
        if active is not None:
            message = (_("%(name)s 已是本户成员") % {"name": person.name} if active.household_id == current.pk
                       else _already_in_household(person))
            raise DomainError.for_field("person_id", message, code=E.ALREADY_IN_HOUSEHOLD)
        member = HouseholdMember.objects.create(household=current, person=person, relation=relation,
                                                joined_on=timezone.localdate())
        _bump(current)
        _emit(actor=actor, action="registry.household.member_add", subject=current,
              subject_type=HOUSEHOLD_SUBJECT, region_code=current.region.code,
              label=household_label(current),
              changes={"members": (None, f"{person.name}（{Relation(relation).label}）")},
              payload={"person_id": person.pk, "relation": relation})
        return member

    return _household_integrity(save)


def household_member_remove(*, actor: Any, household: Household, version: int, person: Person,
                            reason: str) -> HouseholdMember:
    require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=household.region.prefix))
    reason = reason.strip()
    if not reason:
        raise DomainError.for_field("reason", _("请填写移出原因（如：分户、死亡、迁出）"))
    if len(reason) > 200:
        raise DomainError.for_field("reason", _("不能超过 %(n)s 个字符") % {"n": 200})

    def save() -> HouseholdMember:
        current = _locked_household(household, version)
        member = HouseholdMember.objects.select_for_update().filter(
            household=current, person=person, left_on__isnull=True).first()
        if member is None:
            raise DomainError.for_field("person_id", _("%(name)s 不是本户的现有成员") % {"name": person.name},
                                        code=E.NOT_A_MEMBER)
        if member.relation == Relation.HEAD:
            raise DomainError.for_field("person_id", _("不能移出户主：请先把另一位成员设为户主"),
                                        code=E.HEAD_CANNOT_LEAVE)
        member.left_on = timezone.localdate()
        member.left_reason = reason
        member.save(update_fields=["left_on", "left_reason"])
        _bump(current)
        _emit(actor=actor, action="registry.household.member_remove", subject=current,
              subject_type=HOUSEHOLD_SUBJECT, region_code=current.region.code,
              label=household_label(current), note=reason,
              changes={"members": (f"{person.name}（{member.get_relation_display()}）", None)},
              payload={"person_id": person.pk})
        return member

    return _household_integrity(save)


def household_set_head(*, actor: Any, household: Household, version: int, person: Person,
                       former_head_relation: str) -> Household:
    """Make ``person`` (a member) the head; the former head stays with ``former_head_relation``."""
    require(actor, HOUSEHOLD_MANAGE, Target(region_prefix=household.region.prefix))
    if former_head_relation not in Relation.values or former_head_relation == Relation.HEAD:
        raise DomainError.for_field("former_head_relation", _("请选择原户主与新户主的关系"))

    def save() -> Household:
        current = _locked_household(household, version)
        members = {m.person_id: m for m in HouseholdMember.objects.select_for_update().filter(
            household=current, left_on__isnull=True)}
        member = members.get(person.pk)
        if member is None:
            raise DomainError.for_field("person_id", _("%(name)s 不是本户的现有成员") % {"name": person.name},
                                        code=E.NOT_A_MEMBER)
        if member.relation == Relation.HEAD:
            raise DomainError.for_field("person_id", _("%(name)s 已是户主") % {"name": person.name})
        old = next((m for m in members.values() if m.relation == Relation.HEAD), None)
        # The old head steps down first: the database allows one head at any moment.
        if old is not None:
            old.relation = former_head_relation
            old.save(update_fields=["relation"])
        member.relation = Relation.HEAD
        member.save(update_fields=["relation"])
        _bump(current)
        _emit(actor=actor, action="registry.household.set_head", subject=current,
              subject_type=HOUSEHOLD_SUBJECT, region_code=current.region.code,
              label=_("%(name)s户") % {"name": person.name},
              changes={"head": (old.person.name if old else None, person.name)},
              payload={"person_id": person.pk})
        return current

    return _household_integrity(save)


def household_unmask(*, actor: Any, household: Household, purpose: str = "") -> Revealed:
    require(actor, HOUSEHOLD_UNMASK, Target(region_prefix=household.region.prefix))
    values = {}
    plain = _plain(household.bank_account)
    if plain is not None:
        values["bank_account"] = plain
    with transaction.atomic():
        access_log_record(actor=actor, kind="unmask", subject=household, subject_label=household_label(household),
                          region_code=household.region.code, fields=["bank_account"],
                          purpose=purpose.strip()[:200])
    return Revealed(values)


# --- program memberships --------------------------------------------------------------------------
@dataclass(frozen=True)
class MembershipInput:
    program: str
    start_date: date
    end_date: date | None = None
    status: str = MembershipStatus.ACTIVE
    reporting_department: str | None = None
    reference: str = ""
    note: str = ""


def _department_type(code: str | None) -> DepartmentType | None:
    if not code:
        return None
    found = DepartmentType.objects.filter(code=code, active=True).first()
    if found is None:
        raise DomainError.for_field("reporting_department", _("部门类型 %(code)s 不存在或已停用") % {"code": code})
    return found


def _validate_membership(data: MembershipInput, *, today: date) -> dict[str, Any]:
    errors = _Errors()
    program = ProgramType.objects.filter(code=data.program).first()
    if program is None or not program.active:
        errors.add("program", _("救助项目类型不存在或已停用"))
    if data.status not in MembershipStatus.values:
        errors.add("status", _("状态无效"))
    if data.end_date is not None and data.end_date < data.start_date:
        errors.add("end_date", _("结束日期不能早于开始日期"))
    if data.status == MembershipStatus.ENDED and data.end_date is None:
        errors.add("end_date", _("已退出的记录须填写结束日期"))
    if data.start_date > today + timedelta(days=366):
        errors.add("start_date", _("开始日期不能晚于一年以后"))
    department = errors.attempt("reporting_department", lambda: _department_type(data.reporting_department))
    reference = _text(errors, "reference", data.reference, 100)
    note = _text(errors, "note", data.note, 300)
    errors.raise_if_any()
    return {"program": program, "status": data.status, "start_date": data.start_date,
            "end_date": data.end_date, "reporting_department": department, "reference": reference,
            "note": note}


def _membership_fields(m: Membership) -> dict[str, Any]:
    return {"program": m.program.code, "status": m.status, "start_date": m.start_date,
            "end_date": m.end_date, "reference": m.reference, "note": m.note,
            "reporting_department": m.reporting_department.code if m.reporting_department else None}


def _check_overlap(values: dict[str, Any], *, person: Person | None, household: Household | None,
                   exclude: int | None = None) -> None:
    if values["status"] == MembershipStatus.ENDED:
        return
    others = Membership.objects.filter(program=values["program"], person=person, household=household) \
        .exclude(status=MembershipStatus.ENDED)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise DomainError.for_field("program", _("该对象已有在保或暂停中的“%(program)s”记录，请修改原记录") % {
            "program": values["program"].name}, code=E.OVERLAPPING_MEMBERSHIP)


def membership_create(*, actor: Any, data: MembershipInput, person: Person | None = None,
                      household: Household | None = None) -> Membership:
    if (person is None) == (household is None):
        raise DomainError(_("救助项目记录须对应一个人或一个家庭"))
    region = person.residence_region if person is not None else household.region  # type: ignore[union-attr]
    values = _validate_membership(data, today=timezone.localdate())
    program: ProgramType = values["program"]
    if person is not None and program.subject == ProgramSubject.HOUSEHOLD:
        raise DomainError.for_field("program", _("“%(program)s”按家庭登记，请在家庭页面登记") % {
            "program": program.label}, code=E.PROGRAM_SUBJECT)
    if household is not None and program.subject == ProgramSubject.PERSON:
        raise DomainError.for_field("program", _("“%(program)s”按个人登记，请在人员页面登记") % {
            "program": program.label}, code=E.PROGRAM_SUBJECT)
    if actor is not None:
        require(actor, MEMBERSHIP_MANAGE, Target(region_prefix=region.prefix))
    with transaction.atomic():
        # Lock the subject so two clerks cannot both record the same program for it.
        subject_model = Person if person is not None else Household
        subject_model.objects.select_for_update().filter(pk=(person or household).pk).first()  # type: ignore[union-attr]
        _check_overlap(values, person=person, household=household)
        now = timezone.now()
        membership = Membership.objects.create(
            **values, person=person, household=household, region=region, created_at=now,
            updated_at=now, created_by=actor if getattr(actor, "pk", None) else None)
        label = f"{program.name} · {person.name if person else household_label(household)}"  # type: ignore[arg-type]
        _emit(actor=actor, action="registry.membership.create", subject=membership,
              subject_type="registry.membership", region_code=region.code, label=label,
              changes=changes_between({}, _membership_fields(membership)),
              payload={"program": program.code, "person_id": person.pk if person else None,
                       "household_id": household.pk if household else None, "status": membership.status})
    return membership


def membership_update(*, actor: Any, membership: Membership, version: int, data: MembershipInput
                      ) -> Membership:
    require(actor, MEMBERSHIP_MANAGE, Target(region_prefix=membership.region.prefix))
    values = _validate_membership(data, today=timezone.localdate())
    if values["program"].pk != membership.program_id:
        raise DomainError.for_field("program", _("不能更改救助项目类型；请结束本记录并另行登记"))
    with transaction.atomic():
        current = Membership.objects.select_for_update(of=("self",)).select_related(
            "program", "region", "reporting_department", "person", "household").get(pk=membership.pk)
        _check_version(current, version, _("救助项目记录"))
        _check_overlap(values, person=current.person, household=current.household, exclude=current.pk)
        before = _membership_fields(current)
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        subject = current.person.name if current.person else household_label(current.household)  # type: ignore[arg-type]
        _emit(actor=actor, action="registry.membership.update", subject=current,
              subject_type="registry.membership", region_code=current.region.code,
              label=f"{current.program.name} · {subject}",
              changes=changes_between(before, _membership_fields(current)),
              payload={"program": current.program.code, "status": current.status})
    return current


# --- consents -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsentInput:
    categories: list[str]
    purpose: str
    organisation: Organisation | None = None
    department_type: str | None = None
    granted_on: date | None = None
    expires_on: date | None = None
    evidence: str = ""


def consent_grant(*, actor: Any, person: Person, data: ConsentInput) -> Consent:
    """Record a person's consent to share ``categories`` with a partner or a department type."""
    today = timezone.localdate()
    errors = _Errors()
    if (data.organisation is None) == (not data.department_type):
        errors.add("recipient", _("请选择一个合作组织或一个部门类型作为共享对象"))
    if data.organisation is not None and data.organisation.kind != OrganisationKind.PARTNER:
        errors.add("organisation_id", _("只能授权给合作组织（慈善组织、社会组织等）"))
    if data.organisation is not None and not data.organisation.active:
        errors.add("organisation_id", _("该组织已停用"))
    department = errors.attempt("department_type", lambda: _department_type(data.department_type)) \
        if data.department_type else None
    categories = sorted(set(data.categories))
    if not categories:
        errors.add("categories", _("请至少选择一项共享内容"))
    elif not set(categories) <= ALL_CATEGORIES:
        errors.add("categories", _("共享内容无效：%(values)s") % {
            "values": "、".join(sorted(set(categories) - ALL_CATEGORIES))})
    purpose = _text(errors, "purpose", data.purpose, 200, required=True, label=_("用途"))
    granted_on = data.granted_on or today
    if granted_on > today:
        errors.add("granted_on", _("授权日期不能晚于今天"))
    if data.expires_on is not None and data.expires_on < max(granted_on, today):
        errors.add("expires_on", _("到期日期不能早于今天和授权日期"))
    evidence = _text(errors, "evidence", data.evidence, 200)
    errors.raise_if_any()
    if actor is not None:
        require(actor, CONSENT_MANAGE, Target(region_prefix=person.residence_region.prefix))
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person, organisation=data.organisation, department_type=department,
            categories=categories, purpose=purpose, granted_on=granted_on, expires_on=data.expires_on,
            evidence=evidence, recorded_by=actor if getattr(actor, "pk", None) else None)
        _emit(actor=actor, action="registry.consent.grant", subject=consent, subject_type="registry.consent",
              region_code=person.residence_region.code,
              label=f"{person.name} → {consent.recipient_name}",
              changes={"recipient": (None, consent.recipient_name), "categories": (None, categories),
                       "purpose": (None, purpose), "expires_on": (None, data.expires_on)},
              payload={"person_id": person.pk, "organisation_id": consent.organisation_id,
                       "department_type": department.code if department else None,
                       "categories": categories})
    return consent


def consent_withdraw(*, actor: Any, consent: Consent, version: int, reason: str) -> Consent:
    """The person withdrew the consent: partners lose access from now on (PIPL art. 15)."""
    region = consent.person.residence_region
    if actor is not None:
        require(actor, CONSENT_MANAGE, Target(region_prefix=region.prefix))
    reason = reason.strip()
    if not reason:
        raise DomainError.for_field("reason", _("请填写撤回原因（如：本人书面撤回）"))
    if len(reason) > 200:
        raise DomainError.for_field("reason", _("不能超过 %(n)s 个字符") % {"n": 200})
    with transaction.atomic():
        current = Consent.objects.select_for_update(of=("self",)).select_related(
            "person", "organisation", "department_type").get(pk=consent.pk)
        _check_version(current, version, _("授权"))
        if current.withdrawn_at is not None:
            raise DomainError.for_field("consent", _("该授权已撤回"), code=E.CONSENT_WITHDRAWN)
        current.withdrawn_at = timezone.now()
        current.withdrawn_reason = reason
        current.version += 1
        current.save(update_fields=["withdrawn_at", "withdrawn_reason", "version"])
        _emit(actor=actor, action="registry.consent.withdraw", subject=current,
              subject_type="registry.consent", region_code=region.code, note=reason,
              label=f"{current.person.name} → {current.recipient_name}",
              changes={"withdrawn_at": (None, current.withdrawn_at)},
              payload={"person_id": current.person_id})
    return current


# --- program types ---------------------------------------------------------------------------------
def program_type_create(*, actor: Any, code: str, name: str, subject: str, name_en: str = "",
                        description: str = "") -> ProgramType:
    require(actor, PROGRAM_TYPE_MANAGE)
    errors = _Errors()
    code = code.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
        errors.add("code", _("代码只能包含小写英文字母、数字和下划线，以字母开头"))
    elif ProgramType.objects.filter(code=code).exists():
        errors.add("code", _("该代码已存在"))
    name = _text(errors, "name", name, 50, required=True, label=_("名称"))
    if name and ProgramType.objects.filter(name=name).exists():
        errors.add("name", _("该名称已存在"))
    if subject not in ProgramSubject.values:
        errors.add("subject", _("登记对象无效"))
    name_en = _text(errors, "name_en", name_en, 100)
    description = _text(errors, "description", description, 200)
    errors.raise_if_any()
    with transaction.atomic():
        program = ProgramType.objects.create(code=code, name=name, name_en=name_en, subject=subject,
                                             description=description)
        audit_record(actor=actor, action="registry.program_type.create", subject=program,
                     changes={"code": (None, code), "name": (None, name), "subject": (None, subject)})
    return program

"""身份证号 validation and canonical form, phone-number normalisation, and the masks for protected data."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import numdb
from stdnum.cn.ric import calc_check_digit

from jijinan.core.errors import DomainError


class IdErrorCode(StrEnum):
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_PHONE = "invalid_phone"


class IdProblem(StrEnum):
    """Which hard rule an ID number broke (for programs and tests; people read the message)."""

    REQUIRED = "required"
    LENGTH = "length"
    CHARACTERS = "characters"
    CHECK_DIGIT = "check_digit"
    BIRTH_DATE = "birth_date"


class IdKind(StrEnum):
    RESIDENT = "resident"
    HK_MACAU_TAIWAN_RESIDENCE_PERMIT = "hk_macau_taiwan_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE_2023 = "foreign_permanent_residence_2023"


class InvalidIdNumber(DomainError):
    """An ID number that breaks a hard rule; ``problem`` says which one."""

    def __init__(self, message: str | Promise, *, problem: IdProblem, field: str = "id_number") -> None:
        super().__init__(message, code=IdErrorCode.INVALID_ID_NUMBER,
                         field_errors={field: [str(message)]})
        self.problem = problem


@dataclass(frozen=True)
class IdWarning:
    """Something a clerk should look at, but that does not make the number invalid."""

    code: str
    message: Promise

    def __str__(self) -> str:
        return str(self.message)


WARNING_UNKNOWN_AREA = IdWarning(
    "unknown_area_code", gettext_lazy("前 6 位地区代码不在已知的行政区划代码中，请核对"))
WARNING_CONVERTED_FROM_15 = IdWarning(
    "converted_from_15", gettext_lazy("15 位旧身份证号已转换为 18 位"))


@dataclass(frozen=True)
class IdCheck:
    """A valid ID number, in canonical form, with what can be read from it."""

    canonical: str  # 18 characters, upper-case X
    kind: IdKind
    birth_date: date
    sex: Literal["M", "F"]
    area_code: str  # the first 6 digits; for permits 810000/820000/830000
    converted_from_15: bool = False
    # ISO 3166-1 numeric code of the holder's nationality, only on the 2023 foreigner's ID
    nationality_code: str | None = None
    warnings: tuple[IdWarning, ...] = field(default_factory=tuple)


_EARLIEST_BIRTH = date(1900, 1, 1)
_PERMIT_PREFIXES = ("81", "82", "83")
_DIGITS = re.compile(r"[0-9]+")
_BODY18 = re.compile(r"[0-9]{17}[0-9X]")


def check_digit_for(body17: str) -> str:
    """The MOD 11-2 check digit for a 17-digit body.

    ``stdnum.cn.ric.calc_check_digit`` expects the whole 18-character number and ignores its
    last character; handing it only the 17 digits silently computes the wrong digit.
    """
    return calc_check_digit(body17 + "0")


def _clean(raw: str) -> str:
    if raw.isascii():
        return "".join(raw.split()).upper()
    # NFKC turns full-width digits and 'ｘ' into ASCII; copy-paste from office documents and
    # chat apps also brings spaces of every width and invisible format characters (U+200B …).
    text = unicodedata.normalize("NFKC", raw)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf").upper()


@functools.lru_cache(maxsize=8192)  # about 7,000 codes exist; a lookup walks stdnum's table
def _is_known_area(area_code: str) -> bool:
    # python-stdnum's own division table. get_birth_place() is not used: it also demands that the
    # county existed in the birth year, but a number is assigned where a person registers, often
    # years after birth, so that test would flag real numbers from newer counties.
    return any("county" in props for _part, props in numdb.get("cn/loc").info(area_code))


def _birth_date(digits: str, *, today: date, field: str) -> date:
    shown = f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}"
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber(_("身份证号中的出生日期 %(date)s 不存在") % {"date": shown},
                              problem=IdProblem.BIRTH_DATE, field=field) from None
    if born > today:
        raise InvalidIdNumber(_("身份证号中的出生日期 %(date)s 晚于今天") % {"date": shown},
                              problem=IdProblem.BIRTH_DATE, field=field)
    if born < _EARLIEST_BIRTH:
        raise InvalidIdNumber(_("身份证号中的出生日期 %(date)s 早于 1900 年") % {"date": shown},
                              problem=IdProblem.BIRTH_DATE, field=field)
    return born


def validate_id_number(raw: str, *, field: str = "id_number", today: date | None = None) -> IdCheck:
    """Check a 身份证号 (or a permit or 2023 foreigner's ID using the same scheme).

    Hard errors raise ``InvalidIdNumber`` naming ``field``: wrong length or characters, wrong
    check digit, impossible birth date. An unknown area code is only a warning, because new
    divisions appear faster than any code table is updated. ``stdnum.cn.ric.validate`` is not
    used on its own for the same reason: it rejects real documents. ``today`` defaults to the
    local date; a bulk import passes it once, which saves half the time per number.
    """
    today = today or timezone.localdate()
    number = _clean(raw or "")
    if not number:
        raise InvalidIdNumber(_("请填写身份证号"), problem=IdProblem.REQUIRED, field=field)
    converted = False
    if len(number) == 15:
        if not _DIGITS.fullmatch(number):
            raise InvalidIdNumber(_("15 位旧身份证号应全部为数字"),
                                  problem=IdProblem.CHARACTERS, field=field)
        # Legacy numbers carry a two-digit year of the 1900s and no check digit.
        body = number[:6] + "19" + number[6:]
        number = body + check_digit_for(body)
        converted = True
    elif len(number) != 18:
        raise InvalidIdNumber(
            _("身份证号应为 18 位（旧号码为 15 位），当前为 %(n)s 位") % {"n": len(number)},
            problem=IdProblem.LENGTH, field=field)
    elif not _BODY18.fullmatch(number):
        raise InvalidIdNumber(_("身份证号前 17 位应为数字，最后一位为数字或 X"),
                              problem=IdProblem.CHARACTERS, field=field)
    elif number[-1] != check_digit_for(number[:17]):
        # Checked before the date: a typo usually breaks both, and the check digit names it.
        raise InvalidIdNumber(_("身份证号校验码不正确，请逐位核对"),
                              problem=IdProblem.CHECK_DIGIT, field=field)
    born = _birth_date(number[6:14], today=today, field=field)

    warnings: list[IdWarning] = []
    nationality = None
    if converted:
        kind = IdKind.RESIDENT
        warnings.append(WARNING_CONVERTED_FROM_15)
    elif number.startswith(_PERMIT_PREFIXES):
        kind = IdKind.HK_MACAU_TAIWAN_RESIDENCE_PERMIT
    elif number.startswith("9"):
        # 9 + province of the issuing office (2) + nationality (3) + birth date + sequence + check.
        kind = IdKind.FOREIGN_PERMANENT_RESIDENCE_2023
        nationality = number[3:6]
    else:
        kind = IdKind.RESIDENT
    if kind is IdKind.RESIDENT and not _is_known_area(number[:6]):
        warnings.insert(0, WARNING_UNKNOWN_AREA)
    return IdCheck(
        canonical=number,
        kind=kind,
        birth_date=born,
        sex="M" if int(number[16]) % 2 else "F",
        area_code=number[:6],
        converted_from_15=converted,
        nationality_code=nationality,
        warnings=tuple(warnings),
    )


def canonical_id_number(raw: str, *, field: str = "id_number") -> str:
    """The 18-character form stored and blind-indexed; raises ``InvalidIdNumber`` when invalid."""
    return validate_id_number(raw, field=field).canonical


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Area codes are 010 and 02x (then an 8-digit number) or 0 + three digits (then 7 or 8 digits);
# subscriber numbers never start with 0 or 1. 7–8 digits are allowed for both, to stay lenient.
_LANDLINE = re.compile(r"0(?:10|2[0-9])[2-9][0-9]{6,7}|0[3-9][0-9]{2}[2-9][0-9]{6,7}")
_PHONE_SEPARATORS = re.compile(r"[\s\-().·]")


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """Canonical digits of a mainland mobile or landline number (with area code, leading 0).

    ``+86 138-1234-5678`` → ``13812345678``; ``(025) 8456-7890`` → ``02584567890``.
    """
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    if not text:
        raise DomainError.for_field(field, _("请填写电话号码"), code=IdErrorCode.INVALID_PHONE)
    international = False
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text, international = text[len(prefix):], True
            break
    else:
        # Some switchboards report callers as 86 + mobile without the plus sign.
        if len(text) == 13 and text.startswith("86") and _MOBILE.fullmatch(text[2:]):
            text = text[2:]
    if international and not _MOBILE.fullmatch(text) and not text.startswith("0"):
        # Dialled from abroad the area code loses its trunk 0: +86 25 8456 7890.
        text = "0" + text
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise DomainError.for_field(
        field, _("电话号码格式不正确：手机号为 11 位数字，固定电话须带区号，如 025-84567890"),
        code=IdErrorCode.INVALID_PHONE)


def mask_id_number(canonical: str) -> str:
    """First and last character only (``3****************X``): the birth date and region are
    often shown beside it, so nothing more of the number may be."""
    if len(canonical) <= 2:
        return "*" * len(canonical)
    return canonical[0] + "*" * (len(canonical) - 2) + canonical[-1]


def mask_phone(number: str) -> str:
    """First three and last four digits: ``138****5678``."""
    if len(number) < 8:
        # Too short for a real number: showing seven digits of it would show almost all.
        return _mask_all_but_last(number, 2)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_bank_account(number: str) -> str:
    """First four and last four digits; shorter numbers keep only the last four."""
    digits = "".join(number.split())
    if len(digits) <= 8:
        return _mask_all_but_last(digits, 4)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _mask_all_but_last(text: str, keep: int) -> str:
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]

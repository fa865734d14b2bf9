"""身份证号 validation (check digit, dates, permits, 15-digit conversion), phone normalisation, masks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jijinan.core.errors import DomainError
from jijinan.core.protected.ids import (
    IdCheck,
    IdErrorCode,
    IdKind,
    IdProblem,
    InvalidIdNumber,
    canonical_id_number,
    check_digit_for,
    mask_bank_account,
    mask_id_number,
    mask_phone,
    normalise_phone,
    validate_id_number,
)

TODAY = date(2026, 6, 15)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def mod11_2(body17: str) -> str:
    """GB 11643 check digit written out from the standard, independent of the code under test."""
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def full(body17: str) -> str:
    return body17 + mod11_2(body17)


def check(raw: str) -> IdCheck:
    return validate_id_number(raw, today=TODAY)


def test_the_independent_oracle_agrees_with_the_standards_example():
    assert mod11_2("11010519491231002") == "X"
    assert check_digit_for("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("body", "kind", "born", "sex"),
    [
        ("11010519491231002", IdKind.RESIDENT, date(1949, 12, 31), "F"),
        ("32010219850607122", IdKind.RESIDENT, date(1985, 6, 7), "F"),  # 南京玄武
        ("32011720000229003", IdKind.RESIDENT, date(2000, 2, 29), "M"),  # leap day
        ("44030719900101568", IdKind.RESIDENT, date(1990, 1, 1), "F"),
        ("33011019010101011", IdKind.RESIDENT, date(1901, 1, 1), "M"),
        ("13010020260615001", IdKind.RESIDENT, date(2026, 6, 15), "M"),  # born today
        ("81000019880808005", IdKind.HK_MACAU_TAIWAN_RESIDENCE_PERMIT, date(1988, 8, 8), "M"),
        ("82000019951120016", IdKind.HK_MACAU_TAIWAN_RESIDENCE_PERMIT, date(1995, 11, 20), "F"),
        ("83000019700305124", IdKind.HK_MACAU_TAIWAN_RESIDENCE_PERMIT, date(1970, 3, 5), "F"),
        ("93284019800412001", IdKind.FOREIGN_PERMANENT_RESIDENCE_2023, date(1980, 4, 12), "M"),
        ("91139219921224018", IdKind.FOREIGN_PERMANENT_RESIDENCE_2023, date(1992, 12, 24), "F"),
    ],
)
def test_valid_numbers(body: str, kind: IdKind, born: date, sex: str):
    number = full(body)
    result = check(number)
    assert result.canonical == number
    assert result.kind is kind
    assert result.birth_date == born
    assert result.sex == sex
    assert result.area_code == body[:6]
    assert result.warnings == ()
    assert result.converted_from_15 is False


def test_the_2023_foreigners_id_carries_the_nationality():
    assert check(full("93284019800412001")).nationality_code == "840"
    assert check(full("32010219850607121")).nationality_code is None


def test_a_lower_case_x_is_canonically_upper_case():
    assert canonical_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２ｘ",  # full-width digits and ｘ
        "１１０１０５１９４９１２３１００２Ｘ",
        " 110105 19491231 002X ",
        "110105\u300019491231\u3000002x",  # ideographic spaces
        "11010519491231002\u200bX",  # a zero-width space from copy-paste
        "110105\t19491231\n002X",
    ],
)
def test_spaces_and_full_width_characters_are_normalised_first(raw: str):
    assert check(raw).canonical == "11010519491231002X"


def test_a_15_digit_number_is_converted_and_says_so():
    result = check("110105491231002")
    assert result.canonical == "11010519491231002X"
    assert result.converted_from_15 is True
    assert result.kind is IdKind.RESIDENT
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "F"
    assert [w.code for w in result.warnings] == ["converted_from_15"]
    assert str(result.warnings[0]) == "15 位旧身份证号已转换为 18 位"


def test_a_converted_number_and_its_18_digit_form_have_one_canonical_form():
    assert canonical_id_number("320102850607121") == canonical_id_number(full("32010219850607121"))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", IdProblem.REQUIRED),
        ("   ", IdProblem.REQUIRED),
        ("1101051949123100", IdProblem.LENGTH),  # 16
        ("11010519491231002", IdProblem.LENGTH),  # 17: check digit missing
        ("11010519491231002X1", IdProblem.LENGTH),  # 19
        ("1234", IdProblem.LENGTH),
        ("11010519491231002A", IdProblem.CHARACTERS),
        ("X1010519491231002X", IdProblem.CHARACTERS),
        ("1101051949123100X2", IdProblem.CHARACTERS),  # X only as the last character
        ("11010519491231-02X", IdProblem.CHARACTERS),
        ("11010549123100X", IdProblem.CHARACTERS),  # 15-digit numbers have no check character
        ("11010519491231002" + "1", IdProblem.CHECK_DIGIT),
        ("11010519491231003X", IdProblem.CHECK_DIGIT),
        (full("11010519990230002"), IdProblem.BIRTH_DATE),  # 30 February
        (full("11010519991301002"), IdProblem.BIRTH_DATE),  # month 13
        (full("11010519990100002"), IdProblem.BIRTH_DATE),  # day 0
        (full("11010520010229002"), IdProblem.BIRTH_DATE),  # not a leap year
        (full("11010520260616002"), IdProblem.BIRTH_DATE),  # tomorrow
        (full("11010530000101002"), IdProblem.BIRTH_DATE),
        (full("11010518991231002"), IdProblem.BIRTH_DATE),  # before 1900
        (full("81000018000101002"), IdProblem.BIRTH_DATE),
        ("110105990230002", IdProblem.BIRTH_DATE),  # 15 digits, 1999-02-30
    ],
)
def test_hard_errors(raw: str, problem: IdProblem):
    with pytest.raises(InvalidIdNumber) as caught:
        check(raw)
    error = caught.value
    assert error.problem is problem
    assert isinstance(error, DomainError)
    assert error.code == IdErrorCode.INVALID_ID_NUMBER == "invalid_id_number"
    assert error.status == 400
    assert error.field_errors == {"id_number": [str(error.message)]}
    assert "身份证号" in str(error.message)


def test_error_messages_name_what_is_wrong():
    def message(raw: str) -> str:
        with pytest.raises(InvalidIdNumber) as caught:
            check(raw)
        return str(caught.value.message)

    assert message("1234") == "身份证号应为 18 位（旧号码为 15 位），当前为 4 位"
    assert message("11010519491231003X") == "身份证号校验码不正确，请逐位核对"
    assert message(full("11010519990230002")) == "身份证号中的出生日期 1999-02-30 不存在"
    assert message(full("11010520260616002")) == "身份证号中的出生日期 2026-06-16 晚于今天"
    assert message(full("11010518991231002")) == "身份证号中的出生日期 1899-12-31 早于 1900 年"


def test_the_error_names_the_field_the_caller_gives():
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number("123", field="guardian_id_number")
    assert list(caught.value.field_errors) == ["guardian_id_number"]


def test_the_default_today_is_the_local_date():
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(InvalidIdNumber):
        validate_id_number(full("110105" + tomorrow.strftime("%Y%m%d") + "002"))
    assert validate_id_number(full("11010519491231002")).birth_date == date(1949, 12, 31)


@pytest.mark.parametrize("area", ["119999", "000000", "329900", "469999"])
def test_an_unknown_area_code_is_only_a_warning(area: str):
    result = check(full(area + "19800101001"))
    assert result.canonical == full(area + "19800101001")
    assert [w.code for w in result.warnings] == ["unknown_area_code"]
    assert "地区代码" in str(result.warnings[0])


def test_a_converted_number_with_an_unknown_area_gets_both_warnings():
    result = check("119999800101001")
    assert [w.code for w in result.warnings] == ["unknown_area_code", "converted_from_15"]


@pytest.mark.parametrize(
    "body",
    [
        "11010320150101001",  # 崇文区, merged away in 2010, on a number born after that
        "32011719700101001",  # 溧水区, a code created in 2013, on a number born before it
        "32010019700101001",  # a city-level code, used on early numbers
    ],
)
def test_codes_known_in_any_year_raise_no_warning(body: str):
    assert check(full(body)).warnings == ()


def test_permits_and_foreigners_ids_get_no_area_warning():
    assert check(full("81999919880808005")).warnings == ()
    assert check(full("99999919800412001")).warnings == ()


def test_stdnum_validate_alone_would_have_refused_these():
    from stdnum.cn import ric

    for body in ("82000019951120016", "93284019800412001"):
        assert not ric.is_valid(full(body))
        assert check(full(body)).canonical == full(body)


# --- properties ----------------------------------------------------------------------------------

AREAS = ["110105", "320102", "320117", "440307", "510104", "650102", "810000", "830000", "932840"]
bodies = st.builds(
    lambda area, born, seq: area + born.strftime("%Y%m%d") + f"{seq:03d}",
    st.sampled_from(AREAS),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@settings(deadline=None)
@given(body=bodies)
def test_any_body_with_a_valid_date_and_its_check_digit_validates(body: str):
    result = check(full(body))
    assert result.canonical == full(body)
    assert result.birth_date.strftime("%Y%m%d") == body[6:14]
    assert result.sex == ("M" if int(body[16]) % 2 else "F")
    assert check_digit_for(body) == mod11_2(body)


@settings(deadline=None)
@given(body=bodies, position=st.integers(min_value=0, max_value=17), data=st.data())
def test_any_single_character_change_fails_the_check_digit(body: str, position: int, data: st.DataObject):
    number = full(body)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(InvalidIdNumber) as caught:
        check(changed)
    assert caught.value.problem is IdProblem.CHECK_DIGIT


# --- phones --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        ("025-84567890", "02584567890"),
        ("(025) 8456 7890", "02584567890"),
        ("+86 25 8456 7890", "02584567890"),
        ("+86 025 84567890", "02584567890"),
        ("010-62345678", "01062345678"),
        ("+86 10 6234 5678", "01062345678"),
        ("0516-8765432", "05168765432"),  # a 4-digit area code with a 7-digit number
        ("0516-87654321", "051687654321"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, canonical: str):
    assert normalise_phone(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # no such mobile prefix
        "23812345678",
        "84567890",  # a landline without its area code
        "025-04567890",  # subscriber numbers never start with 0
        "025-8456789012",
        "1381234567a",
        "+1 415 555 0100",
        "12345",
    ],
)
def test_invalid_phone_numbers_are_refused_on_the_phone_field(raw: str):
    with pytest.raises(DomainError) as caught:
        normalise_phone(raw)
    assert caught.value.code == IdErrorCode.INVALID_PHONE == "invalid_phone"
    assert list(caught.value.field_errors) == ["phone"]
    assert "电话号码" in str(caught.value.message)


def test_an_empty_phone_is_refused_and_the_field_name_is_the_callers():
    with pytest.raises(DomainError) as caught:
        normalise_phone("  ", field="contact_phone")
    assert caught.value.field_errors == {"contact_phone": ["请填写电话号码"]}


# --- masks ---------------------------------------------------------------------------------------

def test_an_id_number_shows_only_its_first_and_last_character():
    assert mask_id_number("32010219850607121X") == "3****************X"
    assert mask_id_number(full("11010519491231002")) == "1" + "*" * 16 + "X"
    assert mask_id_number("ab") == "**"


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), ("02584567890", "025****7890"),
     ("051687654321", "051*****4321"), ("1234567", "*****67"), ("12", "**")],
)
def test_phone_masks(number: str, masked: str):
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [("6222021234567890123", "6222***********0123"), ("6222 0212 3456 7890", "6222********7890"),
     ("12345678", "****5678"), ("1234", "****")],
)
def test_bank_account_masks(number: str, masked: str):
    assert mask_bank_account(number) == masked

"""Search that understands people, through the person and household list pages and the API: the
last 6 characters of an ID number and the last 4 digits of a phone (keyed partial indexes, limited
to the user's area, masked, written to the access log), a given name alone and its pinyin, an
address fragment, and a page that says when nothing is found. The pages' search form posts, so a
number searched for stays out of the address, its page links and its export."""

from __future__ import annotations

import base64
import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from jijinan.audit.models import AccessLog
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import mask_id_number
from jijinan.registry import services
from jijinan.registry.choices import ConsentCategory, Relation
from jijinan.registry.models import ID_NUMBER_PURPOSE, PHONE_PURPOSE, Person
from tests.permission_cases.registry import valid_id
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

VILLAGE, GULOU_VILLAGE = "320102002001", "320106001001"
NUMBER = valid_id("320102", "19800512", 345)
TAIL = NUMBER[-6:]
PHONE = "13812340246"
NONE_FOUND = "没有找到符合条件的救助对象"
PARTIAL_HINT = "请输入完整身份证号、身份证后6位、完整手机号或手机号后4位"


@pytest.fixture
def reviewer(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)


@pytest.fixture
def outsider(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.TOWNSHIP_REVIEWER, at=GULOU)


def _register(name: str, number: str | None, *, region: str = VILLAGE, phone: str | None = None,
              address: str = "") -> Person:
    return services.person_create(actor=None, data=services.PersonInput(
        name=name, residence_region_code=region, id_number=number, id_unknown=number is None, phone=phone,
        residence_address=address))


@pytest.fixture
def wang(reviewer):  # type: ignore[no-untyped-def]
    person = _register("王建国", NUMBER, phone=PHONE, address="梅园新村长江路18号")
    services.household_create(actor=None, members=[services.MemberInput(person=person, relation=Relation.HEAD)],
                              data=services.HouseholdInput(region_code=VILLAGE, address="长江路18号梅园小区"))
    return person


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _persons_page(user, q: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The search as the page's form sends it: in the body of a POST."""
    response = _client(user).post("/registry/persons/", {"q": q})
    return response.status_code, response.content.decode()


def _names(html: str) -> list[str]:
    table = html.split('data-testid="person-results"', 1)[1] if 'data-testid="person-results"' in html else ""
    return re.findall(r'<a href="/registry/persons/\d+/">([^<]+)</a>', table)


def _households(user, q: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = _client(user).post("/registry/households/", {"q": q})
    return response.status_code, response.content.decode()


def _search_logs(person: Person) -> list[AccessLog]:
    return list(AccessLog.objects.filter(subject_type="registry.person", subject_id=str(person.pk),
                                         purpose__contains="后"))


def _twin_outside(tail: str) -> str:
    """An ID number of 鼓楼区 that ends in the same 6 characters as ``tail`` (same day and
    sequence; the year is varied until the check character agrees)."""
    for year in range(1940, 2005):
        number = valid_id("320106", f"{year}05{tail[:2]}", int(tail[2:5]))
        if number[-6:] == tail:
            return number
    raise AssertionError("no twin")


# --- last 6 characters of the ID number ------------------------------------------------------------
def test_the_last_6_of_an_id_number_find_the_person_masked_and_logged(reviewer, wang):
    status, html = _persons_page(reviewer, TAIL)
    assert status == 200 and _names(html) == ["王建国"]
    assert mask_id_number(NUMBER) in html and NUMBER not in html
    assert "电话号码格式不正确" not in html
    [log] = _search_logs(wang)
    assert (log.kind, log.actor_id, log.fields, log.region_code) == ("view", reviewer.pk, ["id_number"], VILLAGE)
    assert "身份证号后6位" in log.purpose and TAIL not in log.purpose


def test_a_lower_case_x_at_the_end_is_read_as_upper_case(reviewer):
    number = next(n for n in (valid_id("320102", "19800512", s) for s in range(1, 400)) if n.endswith("X"))
    _register("李秀英", number)
    assert _names(_persons_page(reviewer, number[-6:].lower())[1]) == ["李秀英"]


def test_a_partial_id_number_is_not_found_outside_the_users_area(reviewer, outsider, wang):
    twin = _register("张卫国", _twin_outside(TAIL), region=GULOU_VILLAGE)
    status, html = _persons_page(outsider, TAIL)
    assert status == 200 and _names(html) == ["张卫国"]
    assert _names(_persons_page(reviewer, TAIL)[1]) == ["王建国"]
    assert _search_logs(wang) and not [log for log in _search_logs(wang) if log.actor_id == outsider.pk]
    assert [log.actor_id for log in _search_logs(twin)] == [outsider.pk]


def test_a_partial_number_finds_nobody_shared_without_that_category(world, reviewer, wang):
    services.consent_grant(actor=reviewer, person=wang, data=services.ConsentInput(
        categories=[ConsentCategory.SITUATION], purpose="帮扶", organisation=world.partner))
    partner = persona(world, Role.PARTNER_STAFF, at=XUANWU)
    assert _names(_persons_page(partner, "王建国")[1]) == ["王建国"]  # seen through the consent
    status, html = _persons_page(partner, TAIL)
    assert status == 200 and _names(html) == [] and NONE_FOUND in html
    services.consent_grant(actor=reviewer, person=wang, data=services.ConsentInput(
        categories=[ConsentCategory.ID_NUMBER], purpose="核对", organisation=world.partner))
    assert _names(_persons_page(partner, TAIL)[1]) == ["王建国"]


# --- last 4 digits of the phone ------------------------------------------------------------------------
def test_the_last_4_digits_of_a_phone_find_the_person_masked_and_logged(reviewer, outsider, wang):
    status, html = _persons_page(reviewer, PHONE[-4:])
    assert status == 200 and _names(html) == ["王建国"] and PHONE not in html
    [log] = _search_logs(wang)
    assert log.fields == ["phone"] and "电话后4位" in log.purpose
    assert _names(_persons_page(outsider, PHONE[-4:])[1]) == []


def test_a_changed_phone_is_found_by_its_new_ending_only(reviewer, wang):
    services.person_update(actor=reviewer, person=wang, version=wang.version, data=services.PersonInput(
        name=wang.name, residence_region_code=VILLAGE, phone="13900009999", residence_address="梅园新村长江路18号"))
    assert _names(_persons_page(reviewer, "9999")[1]) == ["王建国"]
    assert _names(_persons_page(reviewer, PHONE[-4:])[1]) == []


@pytest.mark.parametrize("q", [NUMBER[:-1], NUMBER[-5:], "12", "1234567", "123456789012345678901"])
def test_other_digit_counts_say_what_can_be_searched(reviewer, q):
    status, html = _persons_page(reviewer, q)
    assert status == 400 and PARTIAL_HINT in html and "电话号码格式不正确" not in html


def test_full_numbers_are_still_found_exactly(reviewer, wang):
    assert _names(_persons_page(reviewer, NUMBER)[1]) == ["王建国"]
    assert _names(_persons_page(reviewer, "138 1234 0246")[1]) == ["王建国"]
    assert not _search_logs(wang)  # an exact number shows nothing it did not already name


# --- households ------------------------------------------------------------------------------------------
def test_households_are_found_by_a_members_partial_numbers_and_logged(reviewer, outsider, wang):
    status, html = _households(reviewer, TAIL)
    assert status == 200 and ">王建国</a>" in html
    household_id = wang.household_memberships.get().household_id
    assert AccessLog.objects.filter(subject_type="registry.household", subject_id=str(household_id),
                                    actor=reviewer, fields=["id_number"]).count() == 1
    status, html = _households(reviewer, PHONE[-4:])
    assert f"/registry/households/{household_id}/" in html
    status, html = _households(outsider, TAIL)
    assert f"/registry/households/{household_id}/" not in html and "没有找到符合条件的家庭" in html


# --- names ---------------------------------------------------------------------------------------------------
def test_a_given_name_alone_finds_the_person_after_names_that_begin_with_it(reviewer, wang):
    _register("建国华", valid_id("320102", "19660606", 11))
    _register("欧阳建国", valid_id("320102", "19660606", 12))
    _register("王建军", valid_id("320102", "19660606", 13))
    status, html = _persons_page(reviewer, "建国")
    assert status == 200 and _names(html) == ["建国华", "欧阳建国", "王建国"]
    assert _names(_persons_page(reviewer, "王建国")[1]) == ["王建国"]


def test_the_pinyin_of_a_given_name_finds_the_person(reviewer, wang):
    _register("李建国", valid_id("320102", "19660606", 14))
    status, html = _persons_page(reviewer, "jianguo")
    assert status == 200 and _names(html) == ["李建国", "王建国"]
    assert _names(_persons_page(reviewer, "Jian Guo")[1]) == ["李建国", "王建国"]
    assert _names(_persons_page(reviewer, "wangjianguo")[1]) == ["王建国"]


def test_a_whole_name_comes_before_longer_names_and_given_names(reviewer):
    _register("张伟伟", valid_id("320102", "19660606", 15))
    _register("李张伟", valid_id("320102", "19660606", 16))
    # The world's 张伟 lives in this village too.
    assert _names(_persons_page(reviewer, "张伟")[1]) == ["张伟", "张伟伟", "李张伟"]


# --- addresses -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("q", ["梅园", "长江路", "长江路18号"])
def test_an_address_fragment_finds_persons_and_households(reviewer, outsider, wang, q):
    _register("陈静", valid_id("320102", "19660606", 17), address="珠江路5号")
    assert _names(_persons_page(reviewer, q)[1]) == ["王建国"]
    household_id = wang.household_memberships.get().household_id
    assert f"/registry/households/{household_id}/" in _households(reviewer, q)[1]
    assert _names(_persons_page(outsider, q)[1]) == []
    assert f"/registry/households/{household_id}/" not in _households(outsider, q)[1]


def test_an_edited_address_is_found_by_its_new_words(reviewer, wang):
    services.person_update(actor=reviewer, person=wang, version=wang.version, data=services.PersonInput(
        name=wang.name, residence_region_code=VILLAGE, residence_address="龙蟠路7号"))
    assert _names(_persons_page(reviewer, "龙蟠路")[1]) == ["王建国"]
    assert _names(_persons_page(reviewer, "珠江路")[1]) == []


# --- nothing found -----------------------------------------------------------------------------------------------
def test_no_results_say_so_with_what_to_try_next(reviewer, wang):
    status, html = _persons_page(reviewer, "欧阳修文")
    assert status == 200 and NONE_FOUND in html and "身份证号后6位" in html
    assert "/registry/persons/new/" in html.split('data-testid="person-none"', 1)[1]
    status, html = _households(reviewer, "欧阳修文")
    assert status == 200 and "没有找到符合条件的家庭" in html and "身份证号后6位" in html


# --- the API -------------------------------------------------------------------------------------------------------
def test_the_api_finds_by_partial_numbers_masked_and_logged(reviewer, outsider, wang):
    body = _client(reviewer).get("/api/v1/persons", {"q": TAIL}).json()
    assert body["count"] == 1 and body["items"][0]["name"] == "王建国"
    assert body["items"][0]["id_number_masked"] == mask_id_number(NUMBER) and NUMBER not in str(body)
    assert len(_search_logs(wang)) == 1
    assert _client(outsider).get("/api/v1/persons", {"q": TAIL}).json()["count"] == 0
    response = _client(reviewer).get("/api/v1/persons", {"q": NUMBER[:-1]})
    assert response.status_code == 400 and PARTIAL_HINT in str(response.json())
    assert [p["name"] for p in _client(reviewer).get("/api/v1/persons", {"q": "建国"}).json()["items"]] == ["王建国"]


# --- the stored index and key rotation -------------------------------------------------------------------------------
def _stored(person: Person) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_partial_index, phone_partial_index FROM registry_person WHERE id = %s",
                       [person.pk])
        row = cursor.fetchone()
    return row[0], row[1]


def test_the_partial_index_is_a_keyed_digest_not_the_digits(wang):
    id_part, phone_part = _stored(wang)
    for stored, tail, purpose in ((id_part, TAIL, ID_NUMBER_PURPOSE), (phone_part, PHONE[-4:], PHONE_PURPOSE)):
        assert re.fullmatch(r"[0-9a-f]{64}", stored) and tail not in stored
        assert stored != crypto.blind_index(tail, purpose=purpose)  # not under the full-value key
        assert stored not in {hashlib.sha256(tail.encode()).hexdigest(),
                              hashlib.sha256(f"{purpose}\x00{tail}".encode()).hexdigest()}
    assert id_part != phone_part


def test_key_rotation_keeps_partial_search_working_and_recomputes_the_index(settings, reviewer, wang):
    old = _stored(wang)
    Person.objects.filter(pk=wang.pk).update(id_number_partial_index="stale", phone_partial_index="stale")
    fresh_key = base64.b64encode(b"k" * 32).decode()
    with override_settings(JIJINAN_FIELD_KEYS={**settings.JIJINAN_FIELD_KEYS, "next": fresh_key},
                           JIJINAN_ACTIVE_FIELD_KEY="next"):
        call_command("keys", "rotate", stdout=StringIO(), stderr=StringIO())
        person = Person.objects.get(pk=wang.pk)
        assert person.id_number is not None and person.id_number.key_id == "next"
        assert person.phone is not None and person.phone.key_id == "next"
        assert _stored(person) == old
        assert _names(_persons_page(reviewer, TAIL)[1]) == ["王建国"]
        assert _names(_persons_page(reviewer, PHONE[-4:])[1]) == ["王建国"]


def test_search_rebuild_fills_the_keys_of_records_written_before_them(reviewer, wang):
    old = _stored(wang)
    Person.objects.filter(pk=wang.pk).update(id_number_partial_index=None, phone_partial_index="",
                                             given_name_code="", given_name_pinyin="")
    assert _names(_persons_page(reviewer, TAIL)[1]) == [] and _names(_persons_page(reviewer, "建国")[1]) == []
    out = StringIO()
    call_command("search", "rebuild", stdout=out, stderr=StringIO())
    assert "救助对象查找信息已重建" in out.getvalue()
    assert _stored(wang) == old
    assert _names(_persons_page(reviewer, TAIL)[1]) == ["王建国"]
    assert _names(_persons_page(reviewer, "jianguo")[1]) == ["王建国"]


# --- the search travels in the body --------------------------------------------------------------------------------
def test_the_search_form_posts_and_its_pages_and_export_keep_the_number_out_of_the_address(reviewer, wang):
    for i in range(3):
        _register(f"王建国{i}", valid_id("320102", "19550303", 20 + i), phone=f"1391{i}110246")
    client = _client(reviewer)
    form = client.get("/registry/persons/").content.decode()
    assert re.search(r'<form method="post" action="/registry/persons/"[^>]*data-testid="person-search"', form)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("jijinan.registry.views.PAGE_SIZE", 2)
        first = client.post("/registry/persons/", {"q": "0246"}).content.decode()
        # The number is only ever a form's value (the box, the page and export forms), never in a link.
        assert len(_names(first)) == 2 and first.count("0246") == first.count('value="0246"') > 1
        assert 'name="page" value="2"' in first and "?q=" not in first and "page=2" not in first
        second = client.post("/registry/persons/", {"q": "0246", "page": "2"}).content.decode()
        assert len(_names(second)) == 2 and not set(_names(first)) & set(_names(second))
    export = first.split('data-testid="export"', 1)[1]
    assert 'method="post" action="/registry/persons/export/"' in export
    assert '<input type="hidden" name="q" value="0246">' in export and "export/?q" not in first
    response = client.post("/registry/persons/export/", {"q": "0246"})
    assert response.status_code == 200 and response["X-Export-Rows"] == "4"
    log = AccessLog.objects.filter(kind="export", actor=reviewer).latest("id")
    assert "0246" not in log.subject_label and "****" in log.subject_label


# --- persons registered by a department file ------------------------------------------------------------------------
def test_persons_registered_by_an_import_are_found_by_every_key(reviewer, tmp_path):
    from tests.test_exchange import PERSON_HEADER, run, write_csv

    number = valid_id("320102", "19770707", 501)
    roll = write_csv(tmp_path, PERSON_HEADER, [["孙建国", number, VILLAGE, "珠江路9号", "13700001357"]])
    assert run("persons", roll).persons_created == 1
    for q in (number[-6:], "1357", "建国", "jianguo", "珠江路"):
        assert _names(_persons_page(reviewer, q)[1]) == ["孙建国"], q


# --- the type-ahead pickers ---------------------------------------------------------------------------------------
def test_the_pickers_find_by_partial_numbers_and_log_each_person_once(reviewer, outsider, wang):
    client = _client(reviewer)
    html = client.post("/registry/pick/persons/", {"person_q": TAIL}).content.decode()
    assert f'value="{wang.pk}"' in html and mask_id_number(NUMBER) in html and NUMBER not in html
    assert len(_search_logs(wang)) == 1
    household_id = wang.household_memberships.get().household_id
    html = client.post("/registry/pick/households/", {"household_q": PHONE[-4:]}).content.decode()
    assert f'value="{household_id}"' in html
    assert [log.fields for log in _search_logs(wang)] == [["phone"], ["id_number"]]
    html = _client(outsider).post("/registry/pick/persons/", {"person_q": TAIL}).content.decode()
    assert f'value="{wang.pk}"' not in html and len(_search_logs(wang)) == 2

"""Registry rules: persons (ID cross-checks, temporary numbers, regions), households (one head,
one household per person), program memberships, consents, search, unmasking, the chain."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import mask_id_number
from jijinan.registry import selectors, services
from jijinan.registry.chain import ChainEntry, assistance_chain, register_chain_source
from jijinan.registry.choices import MembershipStatus, PersonSource, Relation
from jijinan.registry.models import (
    ID_NUMBER_PURPOSE,
    Consent,
    Household,
    HouseholdMember,
    Membership,
    Person,
)
from jijinan.registry.names import name_keys, prefix_upper_bound, reads_as_pinyin
from tests.permission_cases.registry import valid_id
from tests.world import PROVINCE, XUANWU, fingerprint, persona

pytestmark = pytest.mark.django_db

VILLAGE, GULOU_VILLAGE, TOWNSHIP = "320102002001", "320106001001", "320102002000"


@pytest.fixture
def reviewer(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


def data(**overrides: object) -> services.PersonInput:
    values: dict[str, object] = {"name": "赵小明", "residence_region_code": VILLAGE,
                                 "id_number": valid_id("320102", "19850315", 123)}
    values.update(overrides)
    return services.PersonInput(**values)  # type: ignore[arg-type]


def refused(func, *args, **kwargs) -> DomainError:  # type: ignore[no-untyped-def]
    """Call ``func``, expect a refusal, and prove it changed nothing."""
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        func(*args, **kwargs)
    assert fingerprint() == before
    return caught.value


# --- persons ------------------------------------------------------------------------------------------
def test_a_person_is_registered_with_what_the_id_number_says(reviewer):
    number = valid_id("320102", "19850315", 123)
    person = services.person_create(actor=reviewer, data=data(id_number=f" {number[:6]} {number[6:].lower()} "))
    assert (person.birth_date, person.sex) == (date(1985, 3, 15), "M")
    assert (person.name_pinyin, person.name_initials) == ("zhaoxiaoming", "zxm")
    assert person.id_number_index == crypto.blind_index(number, purpose=ID_NUMBER_PURPOSE)
    with connection.cursor() as cursor:  # the column itself holds only the envelope
        cursor.execute("SELECT id_number FROM registry_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1.") and "198503" not in stored
    fresh = Person.objects.get(pk=person.pk)
    assert str(fresh.id_number) == mask_id_number(number) == "3" + "*" * 16 + number[-1]
    event = AuditEvent.objects.get(action="registry.person.create", subject_id=str(person.pk))
    assert event.changes["id_number"] == ["***", "***"] and event.region_code == VILLAGE
    assert "19850315" not in str(event.changes)
    message = OutboxMessage.objects.get(type="registry.person.create", subject_id=str(person.pk))
    assert message.payload["region_code"] == VILLAGE


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"birth_date": date(1985, 3, 16)}, "birth_date", "1985-03-15"),
    ({"sex": "F"}, "sex", "男"),
    ({"id_number": valid_id("320102", "19850315", 123)[:-1] + "Y"}, "id_number", "最后一位"),
    ({"id_number": valid_id("320102", "19850315", 124)[:-1] + valid_id("320102", "19850315", 123)[-1]},
     "id_number", "校验码"),
    ({"id_number": ""}, "id_number", "身份不明"),
    ({"id_number": valid_id("320102", "19850315", 123), "id_unknown": True}, "id_number", "身份不明"),
    ({"name": "  "}, "name", "姓名"),
    ({"residence_region_code": "320102000000"}, "residence_region_code", "乡镇"),
    ({"residence_region_code": "320102002009"}, "residence_region_code", "不存在"),
    ({"residence_region_code": "32010200200"}, "residence_region_code", "12 位"),
    ({"registered_region_code": "3201020020"}, "registered_region_code", "12 位"),
    ({"registered_region_code": "990000000000"}, "registered_region_code", "省级"),
    ({"registered_region_code": "320000001000"}, "registered_region_code", "格式"),
    ({"registered_region_code": "410122001000"}, "registered_region_name", "户籍地名称"),
    ({"disability_category": "physical"}, "disability_grade", "等级"),
    ({"disability_grade": 2}, "disability_category", "类别"),
    ({"phone": "12345"}, "phone", "电话"),
])
def test_bad_person_input_is_refused_naming_the_field(reviewer, overrides, field, text):
    error = refused(services.person_create, actor=reviewer, data=data(**overrides))
    assert field in error.field_errors, error.field_errors
    assert any(text in m for m in error.field_errors[field]), error.field_errors


def test_every_problem_is_reported_at_once(reviewer):
    error = refused(services.person_create, actor=reviewer, data=data(
        name="", birth_date=date(1990, 1, 1), residence_region_code="320102000000"))
    assert {"name", "birth_date", "residence_region_code"} <= set(error.field_errors)


def test_a_duplicate_id_number_is_refused_even_in_another_form(reviewer):
    services.person_create(actor=reviewer, data=data())
    number = valid_id("320102", "19850315", 123)
    # The 15-digit legacy form of the same number is the same person.
    legacy = number[:6] + number[8:17]
    for raw in (number, legacy, " ".join([number[:6], number[6:14], number[14:]])):
        error = refused(services.person_create, actor=reviewer, data=data(id_number=raw, name="另一人"))
        assert error.code == "duplicate_id_number", raw


def test_the_database_refuses_a_duplicate_id_number_too(reviewer):
    person = services.person_create(actor=reviewer, data=data())
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="x", id_number_index=person.id_number_index, id_kind="resident",
                              residence_region=person.residence_region)


def test_a_person_without_id_gets_a_temporary_number(reviewer):
    person = services.person_create(actor=reviewer, data=data(
        name="无名氏", id_number=None, id_unknown=True, sex="M", birth_date=date(1960, 1, 1)))
    assert person.id_unknown and person.id_number is None and person.id_number_index is None
    assert person.temporary_number == f"TMP-{VILLAGE}-{person.pk:07d}"
    # Identified later: the ID number is recorded and the temporary number kept for the record.
    updated = services.person_update(actor=reviewer, person=person, version=1, data=data(
        name="无名氏", id_number=valid_id("320102", "19600101", 1)))
    assert not updated.id_unknown and updated.temporary_number == person.temporary_number
    assert updated.birth_date == date(1960, 1, 1)
    error = refused(services.person_update, actor=reviewer, person=updated, version=2,
                    data=data(name="无名氏", id_number=None, id_unknown=True))
    assert "id_unknown" in error.field_errors


def test_a_migrants_registered_region_outside_the_tree_is_kept_as_given(reviewer):
    person = services.person_create(actor=reviewer, data=data(
        registered_region_code="410122001000", registered_region_name="河南省郑州市中牟县城关镇"))
    assert (person.registered_region_code, person.registered_region_name) == (
        "410122001000", "河南省郑州市中牟县城关镇")
    assert person.registered_region is None
    local = services.person_create(actor=reviewer, data=data(
        id_number=valid_id("320102", "19900101", 2), registered_region_code=TOWNSHIP,
        registered_region_name="随便写的名字"))
    assert local.registered_region is not None and local.registered_region_name == "梅园新村街道"


def test_a_stale_version_is_refused_and_changes_nothing(reviewer):
    person = services.person_create(actor=reviewer, data=data())
    services.person_update(actor=reviewer, person=person, version=1, data=data(name="赵大明", id_number=None))
    before = fingerprint()
    with pytest.raises(Conflict):
        services.person_update(actor=reviewer, person=person, version=1, data=data(name="赵二明", id_number=None))
    assert fingerprint() == before
    assert Person.objects.get(pk=person.pk).name == "赵大明"


def test_updating_keeps_protected_values_unless_given(reviewer):
    person = services.person_create(actor=reviewer, data=data(phone="138-1234-5678"))
    services.person_update(actor=reviewer, person=person, version=1,
                           data=data(id_number=None, phone=None, situation="失业"))
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone is not None and fresh.phone.reveal() == "13812345678"
    assert fresh.id_number is not None and fresh.id_number.reveal() == valid_id("320102", "19850315", 123)
    event = AuditEvent.objects.get(action="registry.person.update")
    assert set(event.changes) == {"situation"}
    services.person_update(actor=reviewer, person=fresh, version=2, data=data(id_number=None, phone=""))
    assert Person.objects.get(pk=person.pk).phone is None


def test_a_clerk_may_not_register_outside_their_area(clerk):
    error = refused(services.person_create, actor=clerk, data=data(residence_region_code=GULOU_VILLAGE))
    assert isinstance(error, Forbidden)


# --- households -----------------------------------------------------------------------------------------
def _people(actor, n: int, region: str = VILLAGE) -> list[Person]:  # type: ignore[no-untyped-def]
    return [services.person_create(actor=actor, data=data(
        name=f"成员{i}", residence_region_code=region, id_number=valid_id("320102", "19800101", 300 + i)))
        for i in range(n)]


def _household(actor, people: list[Person], relations: list[str] | None = None) -> Household:  # type: ignore[no-untyped-def]
    relations = relations or [Relation.HEAD] + [Relation.CHILD] * (len(people) - 1)
    return services.household_create(actor=actor, data=services.HouseholdInput(
        region_code=VILLAGE, monthly_income_fen=123456, bank_account="6222 0210 0101 2345 678"),
        members=[services.MemberInput(p, r) for p, r in zip(people, relations, strict=True)])


def test_a_household_has_exactly_one_head(reviewer):
    a, b, c = _people(reviewer, 3)
    error = refused(_household, reviewer, [a, b], [Relation.HEAD, Relation.HEAD])
    assert error.code == "two_heads" and "members" in error.field_errors
    error = refused(_household, reviewer, [a, b], [Relation.SPOUSE, Relation.CHILD])
    assert error.code == "no_head"
    household = _household(reviewer, [a, b])
    stored = Household.objects.get(pk=household.pk).bank_account
    assert stored is not None and str(stored) == "6222***********5678" and stored.reveal() == "6222021001012345678"
    error = refused(services.household_member_add, actor=reviewer, household=household, version=1, person=c,
                    relation=Relation.HEAD)
    assert error.code == "two_heads"
    # The database refuses a second head as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=household, person=c, relation=Relation.HEAD)


def test_a_person_belongs_to_one_household_at_a_time(reviewer):
    a, b, c = _people(reviewer, 3)
    first = _household(reviewer, [a, b])
    error = refused(_household, reviewer, [c, b])
    assert error.code == "already_in_household" and "成员1" in str(error.field_errors)
    second = _household(reviewer, [c])
    error = refused(services.household_member_add, actor=reviewer, household=second, version=1, person=b,
                    relation=Relation.CHILD)
    assert error.code == "already_in_household"
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=second, person=a, relation=Relation.CHILD)
    # Once b leaves the first household, another may take them in.
    services.household_member_remove(actor=reviewer, household=first, version=1, person=b, reason="分户")
    services.household_member_add(actor=reviewer, household=second, version=1, person=b, relation=Relation.CHILD)
    assert HouseholdMember.objects.filter(person=b).count() == 2


def test_the_head_cannot_leave_until_another_member_is_head(reviewer):
    a, b = _people(reviewer, 2)
    household = _household(reviewer, [a, b])
    error = refused(services.household_member_remove, actor=reviewer, household=household, version=1, person=a,
                    reason="迁出")
    assert error.code == "head_cannot_leave"
    services.household_set_head(actor=reviewer, household=household, version=1, person=b,
                                former_head_relation=Relation.PARENT)
    relations = dict(HouseholdMember.objects.filter(household=household).values_list("person_id", "relation"))
    assert relations == {a.pk: Relation.PARENT, b.pk: Relation.HEAD}
    services.household_member_remove(actor=reviewer, household=household, version=2, person=a, reason="迁出")
    with pytest.raises(Conflict):
        services.household_member_add(actor=reviewer, household=household, version=2, person=a,
                                      relation=Relation.PARENT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([Relation.HEAD, Relation.SPOUSE, Relation.CHILD])),
                min_size=1, max_size=5))
def test_household_create_succeeds_exactly_when_the_rules_hold(reviewer, picks):
    """Members drawn from four people (one already in a household), any relations."""
    sid = transaction.savepoint()
    try:
        people = _people(reviewer, 4)
        _household(reviewer, [people[3]])
        members = [services.MemberInput(people[i], r) for i, r in picks]
        heads = sum(r == Relation.HEAD for _i, r in picks)
        distinct = len({i for i, _r in picks}) == len(picks)
        valid = heads == 1 and distinct and all(i != 3 for i, _r in picks)
        before = HouseholdMember.objects.count()
        try:
            services.household_create(actor=reviewer, data=services.HouseholdInput(region_code=VILLAGE),
                                      members=members)
        except DomainError:
            assert not valid
            assert HouseholdMember.objects.count() == before
        else:
            assert valid
            assert HouseholdMember.objects.count() == before + len(picks)
        # The invariants hold whatever happened.
        active = HouseholdMember.objects.filter(left_on__isnull=True)
        assert active.values("person").distinct().count() == active.count()
        for household in Household.objects.all():
            assert active.filter(household=household, relation=Relation.HEAD).count() == 1
    finally:
        transaction.savepoint_rollback(sid)


# --- program memberships ----------------------------------------------------------------------------------
def _membership(actor, program: str, **subject) -> Membership:  # type: ignore[no-untyped-def]
    return services.membership_create(actor=actor, **subject, data=services.MembershipInput(
        program=program, start_date=date(2024, 1, 1), reporting_department="civil_affairs"))


def test_memberships_follow_the_program_rules(world, reviewer):
    person, spouse = _people(reviewer, 2)
    household = _household(reviewer, [person, spouse])
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    dibao = _membership(approver, "dibao", household=household)
    tekun = _membership(approver, "tekun", person=person)
    assert (dibao.region.code, tekun.reporting_department.code) == (VILLAGE, "civil_affairs")  # type: ignore[union-attr]
    assert refused(_membership, approver, "dibao", household=household).code == "overlapping_membership"
    assert refused(_membership, approver, "dibao", person=person).code == "program_subject"
    assert refused(_membership, approver, "tekun", household=household).code == "program_subject"
    error = refused(services.membership_update, actor=approver, membership=tekun, version=1,
                    data=services.MembershipInput(program="tekun", start_date=date(2024, 1, 1),
                                                  status=MembershipStatus.ENDED))
    assert "end_date" in error.field_errors
    error = refused(services.membership_update, actor=approver, membership=tekun, version=1,
                    data=services.MembershipInput(program="tekun", start_date=date(2024, 1, 1),
                                                  end_date=date(2023, 1, 1), status=MembershipStatus.ENDED))
    assert "end_date" in error.field_errors
    ended = services.membership_update(actor=approver, membership=tekun, version=1, data=services.MembershipInput(
        program="tekun", start_date=date(2024, 1, 1), end_date=date(2024, 6, 30), status=MembershipStatus.ENDED))
    assert ended.version == 2
    _membership(approver, "tekun", person=person)  # a new period once the old one ended
    # A window clerk may see but not record programs.
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    assert isinstance(refused(_membership, clerk, "orphan", person=spouse), Forbidden)


def test_moving_a_person_moves_their_program_records(reviewer):
    person = services.person_create(actor=reviewer, data=data())
    membership = _membership(None, "tekun", person=person)
    services.person_update(actor=reviewer, person=person, version=1,
                           data=data(id_number=None, residence_region_code="320102002000"))
    membership.refresh_from_db()
    assert membership.region.code == "320102002000"


# --- consents ---------------------------------------------------------------------------------------------
def test_partners_see_only_consented_persons_and_fields(world, reviewer):
    partner = persona(world, Role.PARTNER_STAFF, at=XUANWU)
    shared, private = _people(reviewer, 2)
    services.consent_grant(actor=reviewer, person=shared, data=services.ConsentInput(
        categories=["health", "programs"], purpose="大病帮扶", organisation=world.partner,
        expires_on=timezone.localdate() + timedelta(days=30)))
    visible = set(selectors.persons_visible_to(partner).values_list("pk", flat=True))
    assert shared.pk in visible and private.pk not in visible
    view = selectors.person_detail_for_user(user=partner, pk=shared.pk)
    assert not view.full and view.categories == {"health", "programs"}
    assert not view.shows("id_number") and not view.shows("contact")
    log = AccessLog.objects.filter(subject_id=str(shared.pk), kind="view").latest("id")
    assert log.actor_id == partner.pk and set(log.fields) == {"disability", "health_conditions", "memberships"}
    with pytest.raises(NotFound):
        selectors.person_detail_for_user(user=partner, pk=private.pk)
    # Staff see everyone in their area, in full.
    assert selectors.person_detail_for_user(user=reviewer, pk=private.pk).full


def test_a_withdrawn_or_expired_consent_shares_nothing(world, reviewer):
    partner = persona(world, Role.PARTNER_STAFF, at=PROVINCE)
    person = _people(reviewer, 1)[0]
    consent = services.consent_grant(actor=reviewer, person=person, data=services.ConsentInput(
        categories=["contact"], purpose="助学", organisation=world.partner))
    assert selectors.person_get_for_user(user=partner, pk=person.pk)
    services.consent_withdraw(actor=reviewer, consent=consent, version=1, reason="本人撤回")
    with pytest.raises(NotFound):
        selectors.person_get_for_user(user=partner, pk=person.pk)
    assert refused(services.consent_withdraw, actor=reviewer, consent=consent, version=2,
                   reason="再撤").code == "consent_withdrawn"
    expired = Consent.objects.create(person=person, organisation=world.partner, categories=["contact"], purpose="旧",
                                     granted_on=date(2020, 1, 1), expires_on=date(2021, 1, 1))
    assert not expired.is_live()
    with pytest.raises(NotFound):
        selectors.person_get_for_user(user=partner, pk=person.pk)


def test_department_handlers_see_what_was_shared_with_their_department(world, reviewer):
    handler = persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)  # 卫健
    person = _people(reviewer, 1)[0]
    services.consent_grant(actor=reviewer, person=person, data=services.ConsentInput(
        categories=["contact"], purpose="康复", department_type="disabled_persons_federation"))
    with pytest.raises(NotFound):
        selectors.person_get_for_user(user=handler, pk=person.pk)
    services.consent_grant(actor=reviewer, person=person, data=services.ConsentInput(
        categories=["health"], purpose="医疗救助", department_type="health"))
    assert selectors.person_detail_for_user(user=handler, pk=person.pk).categories == {"health"}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"categories": []}, "categories"),
    ({"categories": ["secrets"]}, "categories"),
    ({"purpose": ""}, "purpose"),
    ({"expires_on": date(2000, 1, 1)}, "expires_on"),
    ({"organisation": None}, "recipient"),
    ({"department_type": "health"}, "recipient"),
])
def test_bad_consents_are_refused(world, reviewer, kwargs, field):
    person = Person.objects.get(name="张伟")
    values = {"categories": ["contact"], "purpose": "帮扶", "organisation": world.partner, **kwargs}
    error = refused(services.consent_grant, actor=reviewer, person=person, data=services.ConsentInput(**values))
    assert field in error.field_errors


def test_consent_only_to_a_partner_organisation(world, reviewer):
    error = refused(services.consent_grant, actor=reviewer, person=Person.objects.get(name="张伟"),
                    data=services.ConsentInput(categories=["contact"], purpose="x", organisation=world.xuanwu_office))
    assert "organisation_id" in error.field_errors


# --- search -----------------------------------------------------------------------------------------------
def _search(user, q: str = "", **kw: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in selectors.person_search_for_user(user=user, search=selectors.PersonSearch(q=q, **kw))]


def test_search_by_name_pinyin_initials_id_phone_and_temporary_number(reviewer):
    zhang = services.person_create(actor=reviewer, data=data(name="张伟明", phone="13800001111"))
    shan = services.person_create(actor=reviewer, data=data(name="单田芳", id_number=valid_id("320102", "19340101", 5)))
    unknown = services.person_create(actor=reviewer, data=data(name="无名氏", id_number=None, id_unknown=True))
    # The world's own 张伟 lives in this village too.
    assert _search(reviewer, "张伟") == ["张伟", "张伟明"]
    assert _search(reviewer, "zhangwei") == ["张伟", "张伟明"]
    assert _search(reviewer, "Zhang Wei M") == ["张伟明"]
    assert _search(reviewer, "zw") == ["张伟", "张伟明"]
    assert _search(reviewer, "zwm") == ["张伟明"]
    assert _search(reviewer, "shan") == ["单田芳"] and _search(reviewer, "dan") == []
    assert _search(reviewer, valid_id("320102", "19850315", 123)) == ["张伟明"]
    assert _search(reviewer, valid_id("320102", "19340101", 5).lower()) == ["单田芳"]
    assert _search(reviewer, "+86 138 0000 1111") == ["张伟明"]
    assert _search(reviewer, unknown.temporary_number.lower()) == ["无名氏"]  # type: ignore[union-attr]
    assert shan.pk and zhang.pk


def test_search_stays_in_scope(world, reviewer):
    # 鼓楼区's 张卫 exists but lies outside a 玄武区 reviewer's area.
    assert _search(reviewer, "zhangw") == ["张伟"]
    everywhere = persona(world, Role.COUNTY_APPROVER, at=PROVINCE)
    assert _search(everywhere, "zhangw") == ["张伟", "张卫"]
    assert _search(everywhere, "zhangw", region="320106") == ["张卫"]


def test_search_by_program_and_flags(reviewer):
    a, b, c = _people(reviewer, 3)
    household = _household(reviewer, [a, b])
    _membership(None, "dibao", household=household)
    _membership(None, "orphan", person=c)
    assert set(_search(reviewer, program="dibao")) == {a.name, b.name}
    assert _search(reviewer, program="orphan") == [c.name]
    services.person_create(actor=reviewer, data=data(name="老人", id_number=valid_id("320102", "19400101", 9)))
    assert "老人" in _search(reviewer, flag="elderly") and "成员0" not in _search(reviewer, flag="elderly")


@pytest.mark.parametrize(("q", "text"), [
    (valid_id("320102", "19850315", 124)[:-1] + valid_id("320102", "19850315", 123)[-1], "校验码"),
    (valid_id("320102", "19851315", 123), "不存在"),
    ("1234567", "手机号后4位"),
    (valid_id("320102", "19850315", 123)[:-1], "身份证后6位"),
    ("!!!", "无法识别"),
])
def test_a_malformed_query_is_a_clear_error(reviewer, q, text):
    with pytest.raises(DomainError) as caught:
        _search(reviewer, q)
    assert any(text in m for m in caught.value.field_errors["q"])


def test_prefix_search_uses_an_index_shaped_condition(reviewer):
    sql = str(selectors.person_search_for_user(user=reviewer, search=selectors.PersonSearch(q="zw")).query)
    assert "name_initials" in sql and '"name_initials" >= ' in sql  # a range, not LIKE '%zw%'
    sql = str(selectors.person_search_for_user(user=reviewer, search=selectors.PersonSearch(q="张伟")).query)
    assert '"registry_person"."name_code" >= 005f20004f1f' in sql.replace("'", "")
    assert '"registry_person"."name_code" < 005f20004f20' in sql.replace("'", "")
    assert '"registry_person"."name" LIKE' not in sql and '"registry_person"."name"::text LIKE' not in sql


@pytest.mark.parametrize(("key", "pinyin"), [
    ("zhangwei", True), ("zhangw", True), ("zh", True), ("li", True), ("lv", True), ("xian", True),
    ("zw", False), ("wjg", False), ("lxy", False), ("zn", False), ("zhangwm", False),
])
def test_letters_are_read_as_pinyin_or_else_as_initials(key, pinyin):
    assert reads_as_pinyin(key) is pinyin
    kind = selectors.parse_query(key).kind
    assert kind == ("pinyin" if pinyin else "initials")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="张王李赵单曾解欧阳吕伟芳明娜强秀英长乐华", min_size=2, max_size=4))
def test_every_name_is_found_by_its_name_and_its_pinyin(reviewer, name):
    sid = transaction.savepoint()
    try:
        person = services.person_create(actor=reviewer, data=data(name=name))
        pinyin, initials = name_keys(name)
        for q in (name, name[:1], pinyin, pinyin[:3]):
            assert person.pk in [p.pk for p in selectors.person_search_for_user(
                user=reviewer, search=selectors.PersonSearch(q=q))], q
        if not reads_as_pinyin(initials):
            assert person.name in _search(reviewer, initials)
    finally:
        transaction.savepoint_rollback(sid)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=6))
def test_the_upper_bound_is_exactly_starts_with(prefix, rest):
    upper = prefix_upper_bound(prefix)
    word = prefix + rest
    assert word >= prefix and (upper is None or word < upper)
    if upper is not None:
        assert not upper.startswith(prefix)


@given(st.text(alphabet="张王李赵单曾解欧阳伟芳明娜强秀英长乐", min_size=1, max_size=4))
def test_name_keys_are_ascii_letters_with_one_initial_per_syllable(name):
    pinyin, initials = name_keys(name)
    assert pinyin.isascii() and pinyin.isalpha() and pinyin == pinyin.lower()
    assert 1 <= len(initials) <= len(name) and pinyin.startswith(initials[0])


@pytest.mark.parametrize(("name", "keys"), [
    ("张伟", ("zhangwei", "zw")), ("单田芳", ("shantianfang", "stf")), ("曾国藩", ("zengguofan", "zgf")),
    ("解晓东", ("xiexiaodong", "xxd")), ("区志强", ("ouzhiqiang", "ozq")), ("仇英", ("qiuying", "qy")),
    ("查良镛", ("zhaliangyong", "zly")), ("朴春花", ("piaochunhua", "pch")), ("尉迟恭", ("yuchigong", "ycg")),
    ("欧阳明", ("ouyangming", "oym")), ("吕布", ("lvbu", "lb")), ("买买提·艾力", ("maimaitiaili", "mmtal")),
])
def test_surnames_are_read_as_surnames(name, keys):
    assert name_keys(name) == keys


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_region_codes_are_well_formed_exactly_when_levels_nest(code):
    parts = [code[0:2], code[2:4], code[4:6], code[6:9], code[9:12]]
    nested = all(not (set(a) == {"0"} and set(b) != {"0"}) for a, b in itertools.pairwise(parts))
    ok = nested and code[:2] in services.PROVINCE_PARTS
    try:
        services.check_region_code(code, field_name="x")
    except DomainError:
        assert not ok
    else:
        assert ok


# --- unmasking -------------------------------------------------------------------------------------------
def test_unmasking_shows_plaintext_once_and_logs_it(reviewer):
    person = services.person_create(actor=reviewer, data=data(phone="13800001111"))
    revealed = services.person_unmask(actor=reviewer, person=person, purpose="核对身份")
    assert revealed.values == {"id_number": valid_id("320102", "19850315", 123), "phone": "13800001111"}
    log = AccessLog.objects.get(kind="unmask", subject_id=str(person.pk))
    assert (log.actor_id, log.fields, log.purpose, log.region_code) == (
        reviewer.pk, ["id_number", "phone"], "核对身份", VILLAGE)


def test_a_clerk_may_not_unmask(clerk, reviewer):
    person = services.person_create(actor=reviewer, data=data())
    with pytest.raises(Forbidden):
        services.person_unmask(actor=clerk, person=person)
    assert not AccessLog.objects.filter(kind="unmask").exists()


# --- the assistance chain -----------------------------------------------------------------------------------
def test_the_chain_merges_every_source_in_time_order(reviewer):
    person, child = _people(reviewer, 2)
    household = _household(reviewer, [person, child])
    _membership(None, "dibao", household=household)
    services.membership_create(actor=None, person=person, data=services.MembershipInput(
        program="tekun", start_date=date(2020, 5, 1), end_date=date(2021, 5, 1), status=MembershipStatus.ENDED))

    def cases(*, person=None, household=None, user=None):  # type: ignore[no-untyped-def]
        if person is not None:
            return [ChainEntry(date(2022, 3, 1), "case", "临时救助（急难型）", "/cases/1/")]
        return []

    register_chain_source("tests.cases", cases)
    try:
        entries = assistance_chain(person=person, user=reviewer)
    finally:
        from jijinan.registry import chain

        chain._sources.pop("tests.cases")
    titles = [e.title for e in entries]
    assert titles.index("纳入特困人员") < titles.index("退出特困人员") < titles.index("临时救助（急难型）") \
        < titles.index("本户：纳入低保")
    assert [e.moment for e in entries] == sorted(e.moment for e in entries)
    assert {e.source for e in entries} == {"registry", "tests.cases"}
    household_titles = [e.title for e in assistance_chain(household=household, user=reviewer)]
    assert "纳入低保" in household_titles and "成员0：纳入特困人员" in household_titles


# --- demo and synthetic data -------------------------------------------------------------------------------
def test_synthetic_generation_is_valid_and_repeatable(jiangsu):
    from jijinan.core.protected.ids import validate_id_number
    from jijinan.registry.synthetic import generate_persons

    first = generate_persons(120, batch=50)
    assert (first.created, first.total) == (120, 120)
    again = generate_persons(120, batch=50)
    assert again.created == 0
    people = Person.objects.filter(source=PersonSource.SYNTHETIC)
    assert people.count() == 120
    for p in people[:20]:
        check = validate_id_number(p.id_number.reveal())  # type: ignore[union-attr]
        assert (check.birth_date, check.sex) == (p.birth_date, p.sex)
        assert name_keys(p.name) == (p.name_pinyin, p.name_initials)
    active = HouseholdMember.objects.filter(left_on__isnull=True)
    assert active.count() == 120 and active.filter(relation=Relation.HEAD).count() == Household.objects.count()

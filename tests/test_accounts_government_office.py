"""The people's government (office): where it may sit, one per region, and the government leaders
granted there and only inside its area."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from jijinan.accounts import services
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Grant, Organisation, User
from jijinan.audit.models import AuditEvent
from jijinan.core.errors import DomainError
from jijinan.core.permissions import Role
from jijinan.regions.models import Region
from tests.world import GULOU, PASSWORD, PROVINCE, XUANWU, fingerprint, government_office, persona

pytestmark = pytest.mark.django_db

NANJING, MEIYUAN, VILLAGE = "320100000000", "320102002000", "320102002001"
GOV = OrganisationKind.GOVERNMENT_OFFICE


@pytest.fixture
def province_admin(world) -> User:  # type: ignore[no-untyped-def]
    return persona(world, Role.ADMINISTRATOR, at=PROVINCE)


def _office(actor: User, name: str, region_code: str) -> Organisation:
    return services.organisation_create(actor=actor, data=services.OrganisationInput(
        kind=GOV, name=name, region_code=region_code))


def _member(office: Organisation, username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, organisation=office, full_name="冯区长")


# --- where a government office sits ------------------------------------------------------------------
@pytest.mark.parametrize(("code", "name"), [(NANJING, "南京市人民政府办公室"), (XUANWU, "玄武区人民政府办公室"),
                                            (MEIYUAN, "梅园新村街道办事处")])
def test_a_government_office_sits_at_a_city_county_or_township(world, province_admin, code, name):
    office = _office(province_admin, name, code)
    assert office.kind == GOV and office.region.code == code and office.get_kind_display() == "人民政府（办公室）"


@pytest.mark.parametrize(("code", "level"), [(PROVINCE, "省"), (VILLAGE, "村（社区）")])
def test_not_at_a_province_nor_a_community(world, province_admin, code, level):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        _office(province_admin, "某人民政府办公室", code)
    assert caught.value.code == "region_level"
    [text] = caught.value.field_errors["region_code"]
    assert text.startswith("人民政府（办公室）只能设在乡镇（街道）、县（区）或市") and text.endswith(f"是{level}")
    assert fingerprint() == before


def test_one_active_government_office_per_region(world, province_admin):
    first = _office(province_admin, "玄武区人民政府办公室", XUANWU)
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        _office(province_admin, "玄武区政府办", XUANWU)
    assert caught.value.code == "duplicate"
    assert caught.value.field_errors == {"region_code": ["玄武区 已有人民政府（办公室）：玄武区人民政府办公室"]}
    assert fingerprint() == before
    # The database holds the same line should a write go around the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind=GOV, name="玄武区政府办", region=first.region)
    # Another region has its own; an office no longer in use leaves the place free.
    _office(province_admin, "鼓楼区人民政府办公室", GULOU)
    data = services.OrganisationInput(kind=GOV, name=first.name, region_code=XUANWU)
    services.organisation_update(actor=province_admin, organisation=first, version=first.version, data=data,
                                 active=False)
    second = _office(province_admin, "玄武区政府办", XUANWU)
    with pytest.raises(DomainError) as caught:  # nor may the old one come back beside it
        services.organisation_update(actor=province_admin, organisation=first, version=first.version + 1,
                                     data=data, active=True)
    assert "region_code" in caught.value.field_errors
    assert Organisation.objects.get(pk=first.pk).active is False and second.active


def test_the_admin_page_and_the_api_know_the_kind(world, province_admin):
    client = Client()
    client.force_login(province_admin)
    response = client.post("/accounts/organisations/new/", {"kind": "government_office", "name": "梅园新村街道办事处",
                                                            "region_code": MEIYUAN})
    assert response.status_code == 302
    office = Organisation.objects.get(name="梅园新村街道办事处")
    assert office.kind == GOV
    page = client.get("/accounts/organisations/", {"kind": "government_office"}).content.decode()
    assert '<option value="government_office" selected>人民政府（办公室）</option>' in page
    assert "梅园新村街道办事处" in page and "玄武区民政局" not in page
    response = client.post("/accounts/organisations/new/", {"kind": "government_office", "name": "江苏省政府办",
                                                            "region_code": PROVINCE})
    assert response.status_code == 400 and "人民政府（办公室）只能设在" in response.content.decode()
    response = client.post("/api/v1/organisations", {"kind": "government_office", "name": "玄武区人民政府办公室",
                                                     "region_code": XUANWU}, content_type="application/json")
    assert response.status_code == 201 and response.json()["kind"] == "government_office"
    response = client.post("/api/v1/organisations", {"kind": "government_office", "name": "玄武区政府办",
                                                     "region_code": XUANWU}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()["field_errors"]) == ["region_code"]
    client.cookies["jijinan_language"] = "en"
    english = client.get("/accounts/organisations/").content.decode()
    assert "People&#x27;s government (office)" in english or "People's government (office)" in english


# --- government leaders ---------------------------------------------------------------------------------
def test_a_government_leader_is_granted_only_in_a_government_office_and_inside_its_area(world, province_admin):
    office = government_office()
    leader = _member(office, "leader")
    before = fingerprint()
    with pytest.raises(DomainError) as caught:  # a civil-affairs office is no government office
        services.grant_add(actor=province_admin, user=world.xuanwu_staff, role=Role.GOVERNMENT_LEADER,
                           region_code=XUANWU)
    assert caught.value.code == "not_government_office"
    assert caught.value.field_errors == {
        "role": ["地方政府领导只能授予人民政府（办公室）的人员，玄武甲 所属机构是玄武区民政局"]}
    with pytest.raises(DomainError) as caught:  # outside the office's district
        services.grant_add(actor=province_admin, user=leader, role=Role.GOVERNMENT_LEADER, region_code=GULOU)
    assert caught.value.code == "outside_office"
    assert caught.value.field_errors == {
        "region_code": ["地方政府领导的授权范围须在玄武区人民政府办公室所在的玄武区之内，鼓楼区 不在其中"]}
    with pytest.raises(DomainError):  # wider than it
        services.grant_add(actor=province_admin, user=leader, role=Role.GOVERNMENT_LEADER, region_code=NANJING)
    assert fingerprint() == before
    services.grant_add(actor=province_admin, user=leader, role=Role.GOVERNMENT_LEADER, region_code=XUANWU)
    services.grant_add(actor=province_admin, user=leader, role=Role.GOVERNMENT_LEADER, region_code=MEIYUAN)
    assert Grant.objects.filter(user=leader, role=Role.GOVERNMENT_LEADER).count() == 2
    # Other roles are granted as before, whatever the office.
    services.grant_add(actor=province_admin, user=leader, role=Role.SUPERVISOR, region_code=XUANWU)


def test_the_staff_page_says_why_a_leader_grant_is_refused(world, province_admin):
    client = Client()
    client.force_login(province_admin)
    response = client.post(f"/accounts/staff/{world.xuanwu_staff.pk}/grants/", {
        "role": "government_leader", "region_code": XUANWU}, follow=True)
    assert "地方政府领导只能授予人民政府（办公室）的人员" in response.content.decode()
    assert not Grant.objects.filter(user=world.xuanwu_staff, role=Role.GOVERNMENT_LEADER).exists()


def test_a_leader_stays_in_a_government_office_that_covers_the_grant(world, province_admin):
    office = government_office()
    leader = _member(office, "leader")
    services.grant_add(actor=province_admin, user=leader, role=Role.GOVERNMENT_LEADER, region_code=XUANWU)
    meiyuan = government_office(MEIYUAN, "梅园新村街道办事处")
    before = fingerprint()
    with pytest.raises(DomainError) as caught:  # moved to a civil-affairs office
        services.staff_update(actor=province_admin, user=leader, version=leader.version, full_name="冯区长",
                              title="", organisation=world.xuanwu_office)
    assert list(caught.value.field_errors) == ["organisation"]
    with pytest.raises(DomainError):  # to a township government: the district grant is wider
        services.staff_update(actor=province_admin, user=leader, version=leader.version, full_name="冯区长",
                              title="", organisation=meiyuan)
    with pytest.raises(DomainError) as caught:  # nor may the office turn into another kind
        services.organisation_update(actor=province_admin, organisation=office, version=office.version,
                                     data=services.OrganisationInput(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE,
                                                                     name=office.name, region_code=XUANWU))
    assert list(caught.value.field_errors) == ["kind"] and "冯区长" in caught.value.field_errors["kind"][0]
    assert fingerprint() == before


# --- the demo --------------------------------------------------------------------------------------------
def test_the_demo_seats_the_district_head_in_the_district_government_and_moves_an_old_one():
    from tests.regions_fixtures import load_jiangsu

    load_jiangsu()
    call_command("demo", stdout=io.StringIO())
    offices = dict(Organisation.objects.filter(kind=GOV).values_list("name", "region__code"))
    assert offices == {"南京市人民政府办公室": NANJING, "玄武区人民政府办公室": XUANWU, "梅园新村街道办事处": MEIYUAN}
    leader = User.objects.select_related("organisation").get(username="government_leader")
    assert leader.organisation.name == "玄武区人民政府办公室"
    # A database from before the government offices: the district head sat in the civil-affairs bureau.
    old = Organisation.objects.get(name="玄武区民政局")
    User.objects.filter(pk=leader.pk).update(organisation=old)
    call_command("demo", stdout=io.StringIO())
    leader = User.objects.select_related("organisation").get(pk=leader.pk)
    assert leader.organisation.name == "玄武区人民政府办公室" and leader.version == 2
    moved = AuditEvent.objects.get(action="accounts.staff.update", subject_id=str(leader.pk))
    assert moved.changes == {"organisation": [old.pk, leader.organisation_id]}
    assert Grant.objects.filter(user=leader, role=Role.GOVERNMENT_LEADER, revoked_at__isnull=True).count() == 1
    call_command("demo", stdout=io.StringIO())  # and again: nothing more moves
    assert AuditEvent.objects.filter(action="accounts.staff.update", subject_id=str(leader.pk)).count() == 1
    assert Region.objects.filter(code=XUANWU).exists()

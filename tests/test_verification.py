"""Means verification: authorisations (signatories, dates, documents checked by content), requests
refused without an authorisation in force, results typed or imported, reports and their facts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core.errors import DomainError, Forbidden, NotFound, RowErrors
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.policy.calculators.property import PropertyFacts, VehicleUse
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.policy.models import ParameterDefinition, ParameterVersion
from jijinan.registry import services as registry
from jijinan.registry.choices import Relation
from jijinan.verification import documents, selectors, services
from jijinan.verification.choices import RequestStatus, Source
from jijinan.verification.demo import tiny_png
from jijinan.verification.documents import Document
from jijinan.verification.models import Authorisation, VerificationReport, VerificationRequest, VerificationResult
from jijinan.verification.report import IncomeFacts, report_income_facts, report_property_facts
from tests.permission_cases.registry import valid_id
from tests.world import PROVINCE, XUANWU, persona

pytestmark = pytest.mark.django_db

VILLAGE = "320102002001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _private_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Each test sees only the documents it stored itself.
    settings.VAR_DIR = tmp_path


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


@pytest.fixture
def county(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.COUNTY_APPROVER, at=XUANWU)


@pytest.fixture
def household(world):  # type: ignore[no-untyped-def]
    """A fresh household in 玄武区: an adult head and a child, with no authorisation yet."""
    head = world.extra["registry"]["free"][True]
    child = registry.person_create(actor=None, data=registry.PersonInput(
        name="王小宝", residence_region_code=VILLAGE, id_number=valid_id("320102", "20150101", 5)))
    return registry.household_create(actor=None, data=registry.HouseholdInput(region_code=VILLAGE), members=[
        registry.MemberInput(head, Relation.HEAD), registry.MemberInput(child, Relation.CHILD)])


def _head(household):  # type: ignore[no-untyped-def]
    return next(m.person for m in services.current_members(household) if m.relation == Relation.HEAD)


def authorise(household, *, signed_on=None, actor=None):  # type: ignore[no-untyped-def]
    return services.authorisation_record(
        actor=actor, household=household, signatory_ids=[_head(household).pk],
        signed_on=signed_on or timezone.localdate(), method="scanned", document=Document(PDF, "pdf", "a.pdf"))


def counts() -> tuple[int, ...]:
    return (Authorisation.objects.count(), VerificationRequest.objects.count(), VerificationResult.objects.count(),
            VerificationReport.objects.count(),
            AuditEvent.objects.filter(action__startswith="verification.").count(),
            OutboxMessage.objects.filter(type__startswith="verification.").count())


def refused(func, *args, **kwargs) -> DomainError:  # type: ignore[no-untyped-def]
    before = counts()
    with pytest.raises(DomainError) as caught:
        func(*args, **kwargs)
    assert counts() == before
    return caught.value


def stored_files() -> set[Path]:
    root = Path(settings.VAR_DIR) / documents.SUBDIR
    return set(root.glob("*")) if root.exists() else set()


# --- authorisations -----------------------------------------------------------------------------------------
def test_an_authorisation_holds_for_the_parameter_months_and_keeps_its_file_private(household, clerk):
    files = stored_files()
    a = authorise(household, signed_on=date(2026, 1, 31) if timezone.localdate() >= date(2026, 1, 31)
                  else timezone.localdate(), actor=clerk)
    assert a.valid_months == 12 and a.valid_until == services.add_months(a.signed_on, 12)
    assert services.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    new = stored_files() - files
    assert len(new) == 1 and new.pop().read_bytes() == PDF
    assert str(settings.STATIC_ROOT) not in str(Path(settings.VAR_DIR) / a.document_path)
    assert a.document_path.startswith("private/")
    event = AuditEvent.objects.get(action="verification.authorisation.record", subject_id=str(a.pk))
    assert event.region_code == VILLAGE and event.actor_id == clerk.pk


def test_every_adult_signs_and_a_minor_need_not(household):
    child = next(m.person for m in services.current_members(household) if m.relation == Relation.CHILD)
    exc = refused(services.authorisation_record, actor=None, household=household, signatory_ids=[child.pk],
                  signed_on=timezone.localdate(), method="scanned", document=Document(PDF, "pdf", "a.pdf"))
    assert exc.code == "missing_signatory" and _head(household).name in exc.field_errors["signatories"][0]
    stranger = refused(services.authorisation_record, actor=None, household=household, signatory_ids=[999999],
                       signed_on=timezone.localdate(), method="scanned", document=Document(PDF, "pdf", "a.pdf"))
    assert "现有成员" in stranger.field_errors["signatories"][0]
    assert authorise(household).signatories.count() == 1  # the head alone: the child is 11


def test_a_future_or_already_expired_signing_date_is_refused(household):
    today = timezone.localdate()
    future = refused(authorise, household, signed_on=today + timedelta(days=1))
    assert "晚于今天" in future.field_errors["signed_on"][0]
    old = refused(authorise, household, signed_on=today - timedelta(days=400))
    assert old.code == "authorisation_expired"


def test_a_missing_parameter_is_named_not_guessed(household):
    ParameterVersion.objects.filter(definition__name=services.VALID_MONTHS_PARAMETER).delete()
    ParameterDefinition.objects.filter(name=services.VALID_MONTHS_PARAMETER).delete()
    policy_cache_invalidate()
    exc = refused(authorise, household)
    assert exc.code == "no_parameter" and services.VALID_MONTHS_PARAMETER in exc.field_errors["signed_on"][0]


@pytest.mark.parametrize(("content", "name", "text"), [
    (tiny_png(), "scan.pdf", "名为 .pdf，实际是 PNG"),
    (EXE, "scan.pdf", "不是 PDF、JPEG 或 PNG"),
    (EXE, "scan.exe", "不是 PDF、JPEG 或 PNG"),
    (b"%PDF-1.4 but cut short", "scan.pdf", "不是 PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "scan.png", "不是 PDF"),
    (PDF, "scan.docx", "扩展名"),
    (b"", "scan.pdf", "请上传"),
])
def test_uploads_are_judged_by_their_content(content, name, text):
    with pytest.raises(DomainError) as caught:
        documents.check_upload(content, name)
    assert text in caught.value.field_errors["document"][0]


def test_real_documents_pass():
    assert documents.check_upload(PDF, "授权书.PDF").kind == "pdf"
    assert documents.check_upload(tiny_png(), "scan.png").kind == "png"
    assert documents.check_upload(b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"\xff\xd9", "scan.jpg").kind == "jpeg"
    assert documents.check_upload(PDF, "no-extension").kind == "pdf"


@pytest.mark.parametrize(("content", "name", "text"), [
    (tiny_png(), "scan.pdf", "实际是 PNG"),
    (EXE, "scan.pdf", "不是 PDF"),
    (PDF + b"\x00" * documents.MAX_DOCUMENT_BYTES, "scan.pdf", "文件过大"),
])
def test_the_page_refuses_a_bad_upload_and_stores_nothing(household, clerk, client, content, name, text):
    client.force_login(clerk)
    files, before = stored_files(), counts()
    response = client.post(f"/verification/households/{household.pk}/authorisations/new/", {
        "signed_on": timezone.localdate().isoformat(), "method": "scanned", "signatories": [_head(household).pk],
        "document": SimpleUploadedFile(name, content, content_type="application/pdf")})
    assert response.status_code == 400 and text in response.content.decode()
    assert counts() == before and stored_files() == files


def test_an_on_screen_signature_is_a_png_data_url(household, clerk, client):
    import base64

    client.force_login(clerk)
    url = f"/verification/households/{household.pk}/authorisations/new/"
    base = {"signed_on": timezone.localdate().isoformat(), "method": "signed_on_screen",
            "signatories": [_head(household).pk]}
    fake = "data:image/png;base64," + base64.b64encode(EXE).decode()
    assert client.post(url, {**base, "signature": fake}).status_code == 400
    good = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    response = client.post(url, {**base, "signature": good})
    assert response.status_code == 302
    a = Authorisation.objects.get(household=household)
    assert (a.method, a.document_kind) == ("signed_on_screen", "png")
    page = client.get(f"/verification/authorisations/{a.pk}/document/")
    assert page.status_code == 200 and page["Content-Type"] == "image/png" and page.content == tiny_png()
    assert AccessLog.objects.filter(subject_type="verification.authorisation", subject_id=str(a.pk)).count() == 1


# --- requests -------------------------------------------------------------------------------------------------
def test_no_request_without_an_authorisation(household, clerk):
    exc = refused(services.request_create, actor=clerk, household=household, sources_wanted=[Source.TAX],
                  purpose="低保申请")
    assert exc.code == "no_authorisation" and "授权书" in str(exc.message)


def test_no_request_under_an_expired_authorisation(household, clerk):
    a = authorise(household, signed_on=timezone.localdate() - timedelta(days=300))
    Authorisation.objects.filter(pk=a.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    exc = refused(services.request_create, actor=clerk, household=household, sources_wanted=list(Source.values),
                  purpose="低保申请")
    assert exc.code == "authorisation_expired" and "过期" in exc.field_errors["authorisation"][0]


def test_no_request_under_a_revoked_authorisation(household, clerk):
    a = authorise(household)
    services.authorisation_revoke(actor=clerk, authorisation=a, version=a.version, reason="本人撤回")
    exc = refused(services.request_create, actor=clerk, household=household, sources_wanted=[Source.TAX],
                  purpose="低保申请")
    assert exc.code == "authorisation_revoked"


def test_the_page_refuses_a_request_without_authorisation_in_chinese(household, clerk, client):
    client.force_login(clerk)
    before = counts()
    response = client.post(f"/verification/households/{household.pk}/requests/new/",
                           {"source": "all", "purpose": "低保申请"}, follow=True)
    assert "没有核对授权书" in response.content.decode() and counts() == before


def test_request_all_ten_and_not_twice(household, clerk):
    authorise(household)
    created = services.request_create(actor=clerk, household=household, sources_wanted=list(Source.values),
                                      purpose="低保申请")
    assert sorted(r.source for r in created) == sorted(Source.values)
    assert {r.status for r in created} == {RequestStatus.PENDING}
    exc = refused(services.request_create, actor=clerk, household=household, sources_wanted=[Source.TAX],
                  purpose="低保申请")
    assert exc.code == "already_pending"


# --- results and permissions ---------------------------------------------------------------------------------
def _requests(household, clerk, *sources):  # type: ignore[no-untyped-def]
    authorise(household)
    return {r.source: r for r in services.request_create(actor=clerk, household=household,
                                                         sources_wanted=list(sources), purpose="低保申请")}


def test_only_the_county_enters_results(world, household, clerk, county, client):
    tax = _requests(household, clerk, Source.TAX)[Source.TAX]
    reviewer = persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)
    client.force_login(reviewer)
    before = counts()
    assert client.post(f"/verification/requests/{tax.pk}/result/", {"version": 1,
                                                                     "monthly_income_fen": "100"}).status_code == 403
    assert counts() == before
    client.force_login(county)
    response = client.post(f"/verification/requests/{tax.pk}/result/", {"version": 1, "monthly_income_fen": "1234.56"})
    assert response.status_code == 302
    tax.refresh_from_db()
    assert tax.status == RequestStatus.ANSWERED and tax.result.facts == {"monthly_income_fen": 123456}


def test_out_of_scope_households_are_not_found(world, clerk, client):
    gulou = world.extra["registry"]["household"][False]
    with pytest.raises(NotFound):
        selectors.household_get_for_user(user=clerk, pk=gulou.pk)
    client.force_login(clerk)
    assert client.get(f"/verification/households/{gulou.pk}/").status_code == 404
    report = world.extra["verification"]["report"][False]
    assert client.get(f"/verification/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/v1/verification/reports/{report.pk}").status_code == 404


def test_typed_facts_are_checked_field_by_field(household, clerk, county):
    homes = _requests(household, clerk, Source.REAL_ESTATE)[Source.REAL_ESTATE]
    exc = refused(services.result_enter, actor=county, request=homes, version=1, facts={"homes": [
        {"floor_area_m2": "-3", "acquired_on": "2020-01-01"},
        {"floor_area_m2": "80", "acquired_on": (timezone.localdate() + timedelta(days=3)).isoformat()}],
        "cars": 1})
    assert set(exc.field_errors) == {"homes[0].floor_area_m2", "homes[1].acquired_on", "cars"}
    with pytest.raises(Forbidden):
        selectors.request_get_for_user(user=clerk, pk=homes.pk, action="verification.result.manage")


def test_the_result_form_shows_item_errors_on_their_row(household, clerk, county, client):
    vehicles = _requests(household, clerk, Source.VEHICLES)[Source.VEHICLES]
    client.force_login(county)
    url = f"/verification/requests/{vehicles.pk}/result/"
    response = client.post(url, {"version": 1, "vehicles_0_description": "苏A12345"})
    assert response.status_code == 400 and "请填写用途" in response.content.decode()
    response = client.post(url, {"version": 1, "vehicles_0_use": "disability", "vehicles_0_description": "代步车",
                                 "commercial_boat": "on"})
    assert response.status_code == 302
    vehicles.refresh_from_db()
    assert vehicles.result.facts == {"large_farm_machinery": False, "commercial_boat": True,
                                     "vehicles": [{"use": "disability", "description": "代步车"}]}


# --- CSV import ----------------------------------------------------------------------------------------------
def test_an_import_with_any_bad_row_writes_nothing(world, household, clerk, county):
    _requests(household, clerk, Source.BANKS)
    gulou = world.extra["registry"]["household"][False]
    text = ("id_number,household_id,balance_fen\n"
            f",{household.pk},100\n"
            f",{household.pk},12.5\n"
            f"{valid_id('320102', '19700101', 11)[:-1]}0,,1\n"
            f",{gulou.pk},1\n"
            ",,1\n")
    before = counts()
    with pytest.raises(RowErrors) as caught:
        services.results_import(actor=county, source=Source.BANKS, content=text.encode(), name="b.csv")
    assert counts() == before
    rows = {(e.row, e.column) for e in caught.value.rows}
    assert rows == {(3, "balance_fen"), (4, "id_number"), (5, "household_id"), (6, "id_number")}
    assert "分" in next(e.reason for e in caught.value.rows if e.row == 3)
    header = refused(services.results_import, actor=county, source=Source.BANKS,
                     content=b"household_id,amount\n1,2\n")
    assert {e.column for e in header.rows} == {"balance_fen", "amount"}  # type: ignore[attr-defined]


def test_an_import_needs_a_pending_request(household, county):
    exc = refused(services.results_import, actor=county, source=Source.TAX,
                  content=f"household_id,monthly_income_fen\n{household.pk},1\n".encode())
    assert "没有待答复" in exc.rows[0].reason  # type: ignore[attr-defined]


def test_an_import_adds_up_members_and_lists_homes(household, clerk, county):
    requests = _requests(household, clerk, Source.TAX, Source.REAL_ESTATE)
    head = _head(household)
    number = valid_id("320102", "19800303", 14)  # the registry world's "free" person, now the head
    assert head.name == "王芳"
    tax = f"id_number,household_id,monthly_income_fen\n{number},,150000\n,{household.pk},50000\n"
    result = services.results_import(actor=county, source=Source.TAX, content=tax.encode("gb18030"), name="t.csv")
    assert (result.rows, result.answered) == (2, 1)
    requests[Source.TAX].refresh_from_db()
    assert requests[Source.TAX].result.facts == {"monthly_income_fen": 200000}
    assert requests[Source.TAX].result.origin == "import"
    homes = (f"household_id,floor_area_m2,acquired_on,location\n{household.pk},60.5,2010-01-01,甲\n"
             f"{household.pk},30,2024-05-01,乙\n")
    services.results_import(actor=county, source=Source.REAL_ESTATE, content=homes.encode())
    requests[Source.REAL_ESTATE].refresh_from_db()
    assert [h["floor_area_m2"] for h in requests[Source.REAL_ESTATE].result.facts["homes"]] == ["60.50", "30.00"]


def test_the_import_page_lists_row_errors(household, clerk, county, client):
    _requests(household, clerk, Source.BANKS)
    client.force_login(county)
    upload = SimpleUploadedFile("b.csv", f"household_id,balance_fen\n{household.pk},abc\n".encode())
    response = client.post("/verification/import/", {"source": "banks", "file": upload})
    assert response.status_code == 400 and "未导入任何数据" in response.content.decode()
    assert 'data-testid="row-errors"' in response.content.decode()


# --- reports -------------------------------------------------------------------------------------------------
FULL = {
    Source.HOUSEHOLD_REGISTRATION: {"members_confirmed": True},
    Source.TAX: {"monthly_income_fen": 300000},
    Source.SOCIAL_INSURANCE: {"monthly_income_fen": 280000, "monthly_pension_fen": 150000},
    Source.REAL_ESTATE: {"homes": [{"floor_area_m2": "70.25", "acquired_on": "2001-01-01"},
                                   {"floor_area_m2": "40", "acquired_on": "2025-06-30"}]},
    Source.BUSINESS_REGISTRATION: {"business_controller": True, "enterprises": "某商贸有限公司"},
    Source.HOUSING_FUND: {"balance_fen": 999999},
    Source.VEHICLES: {"vehicles": [{"use": "private"}, {"use": "sole_livelihood"}, {"use": "disability"}],
                      "large_farm_machinery": True},
    Source.BANKS: {"balance_fen": 1000000},
    Source.INSURERS: {"balance_fen": 250000},
    Source.SECURITIES: {"balance_fen": 5},
}


def _answered_report(household, clerk, county):  # type: ignore[no-untyped-def]
    requests = _requests(household, clerk, *Source.values)
    for source, request in requests.items():
        services.result_enter(actor=county, request=request, version=1, facts=FULL[source])
    return services.report_issue(actor=county, household=household)


def test_a_report_gives_the_property_and_income_facts(household, clerk, county):
    report = _answered_report(household, clerk, county)
    facts = report_property_facts(report)
    assert isinstance(facts, PropertyFacts)
    assert facts.financial_assets_fen == 1000000 + 250000 + 5  # the housing fund is not counted
    assert [v.use for v in facts.vehicles] == [VehicleUse.PRIVATE, VehicleUse.SOLE_LIVELIHOOD, VehicleUse.DISABILITY]
    assert facts.large_farm_machinery and not facts.commercial_boat and facts.business_controller
    assert (facts.homes, facts.floor_area_m2, facts.latest_home_acquired_on) == (
        2, Decimal("110.25"), date(2025, 6, 30))
    assert facts.verified and facts.report_id == report.pk and set(facts.sources) >= {"banks", "vehicles"}
    income = report_income_facts(report)
    assert isinstance(income, IncomeFacts)
    assert (income.wages_fen, income.monthly_income_fen) == (300000, 450000)
    assert selectors.household_property_facts_for_user(user=clerk, household=household) == facts
    assert selectors.household_income_facts_for_user(user=clerk, household=household) == income
    message = OutboxMessage.objects.get(type="verification.report_issued", subject_id=str(report.pk))
    assert message.payload["complete"] is True and message.payload["household_id"] == household.pk


def test_no_facts_before_a_complete_report(household, clerk, county):
    assert selectors.household_property_facts_for_user(user=clerk, household=household) is None
    requests = _requests(household, clerk, Source.BANKS, Source.TAX)
    services.result_enter(actor=county, request=requests[Source.BANKS], version=1, facts={"balance_fen": 7})
    exc = refused(services.report_issue, actor=county, household=household)
    assert exc.code == "sources_missing" and "税务" in exc.field_errors["close_missing"][0]
    refused(services.report_issue, actor=county, household=household, close_missing=True)  # no note
    report = services.report_issue(actor=county, household=household, close_missing=True, note="税务系统停机")
    assert report.missing_sources == ["tax"] and not report.complete
    requests[Source.TAX].refresh_from_db()
    assert requests[Source.TAX].status == RequestStatus.CANCELLED and requests[Source.TAX].report_id == report.pk
    assert report_property_facts(report).financial_assets_fen == 7 and not report_property_facts(report).verified
    assert selectors.household_property_facts_for_user(user=clerk, household=household) is None
    assert refused(services.report_issue, actor=county, household=household).code == "nothing_to_report"


def test_reports_are_numbered_and_frozen(household, clerk, county):
    first = _answered_report(household, clerk, county)
    second = _answered_report(household, clerk, county)
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.facts[Source.TAX]["facts"] == {"monthly_income_fen": 300000}
    assert not hasattr(services, "report_update")


def test_report_pages_log_each_view_and_print(household, clerk, county, client):
    report = _answered_report(household, clerk, county)
    client.force_login(clerk)
    response = client.get(f"/verification/reports/{report.pk}/")
    assert response.status_code == 200 and "12,500.05" in response.content.decode()
    client.get(f"/verification/reports/{report.pk}/?print=1")
    kinds = list(AccessLog.objects.filter(subject_type="verification.verificationreport",
                                          subject_id=str(report.pk)).values_list("kind", flat=True))
    assert sorted(kinds) == ["print", "view"]
    body = client.get(f"/api/v1/verification/reports/{report.pk}").json()
    assert body["property_facts"]["financial_assets_fen"] == 1250005
    assert body["income_facts"]["monthly_income_fen"] == 450000


# --- API ------------------------------------------------------------------------------------------------------
def test_the_api_records_an_authorisation_and_refuses_requests_without_one(household, clerk, client):
    client.force_login(clerk)
    before = counts()
    response = client.post(f"/api/v1/verification/households/{household.pk}/requests",
                           {"sources": list(Source.values), "purpose": "低保"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "no_authorisation"
    assert counts() == before
    disguised = client.post(f"/api/v1/verification/households/{household.pk}/authorisations", {
        "signed_on": timezone.localdate().isoformat(), "signatory_ids": [_head(household).pk],
        "file": SimpleUploadedFile("a.pdf", EXE)})
    assert disguised.status_code == 400 and "file" in disguised.json()["field_errors"]
    ok = client.post(f"/api/v1/verification/households/{household.pk}/authorisations", {
        "signed_on": timezone.localdate().isoformat(), "signatory_ids": [_head(household).pk],
        "file": SimpleUploadedFile("a.pdf", PDF)})
    assert ok.status_code == 201 and ok.json()["document_kind"] == "pdf"
    created = client.post(f"/api/v1/verification/households/{household.pk}/requests",
                          {"sources": list(Source.values), "purpose": "低保"}, content_type="application/json")
    assert created.status_code == 201 and len(created.json()) == 10


# --- query counts ---------------------------------------------------------------------------------------------
def _many(world, clerk, n):  # type: ignore[no-untyped-def]
    homes = []
    for i in range(n):
        person = registry.person_create(actor=None, data=registry.PersonInput(
            name=f"测试{i}", residence_region_code=VILLAGE, id_number=valid_id("320102", "19600101", 100 + i)))
        h = registry.household_create(actor=None, data=registry.HouseholdInput(region_code=VILLAGE),
                                      members=[registry.MemberInput(person, Relation.HEAD)])
        authorise(h)
        services.request_create(actor=clerk, household=h, sources_wanted=[Source.TAX, Source.BANKS], purpose="测")
        homes.append(h)
    return homes


def test_the_request_list_costs_the_same_for_few_or_many(world, clerk, client, django_assert_max_num_queries):
    _many(world, clerk, 12)
    client.force_login(clerk)
    with django_assert_max_num_queries(12):
        response = client.get("/verification/?source=tax")
    assert response.status_code == 200 and response.content.decode().count("<tr>") >= 12
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/verification/requests?page_size=50").json()["count"] >= 24


def test_the_household_page_costs_a_fixed_number_of_queries(household, clerk, county, client,
                                                             django_assert_max_num_queries):
    _answered_report(household, clerk, county)
    client.force_login(clerk)
    with django_assert_max_num_queries(25):
        response = client.get(f"/verification/households/{household.pk}/")
    text = response.content.decode()
    assert response.status_code == 200 and "3,000.00 元" in text  # the tax answer, in yuan
    assert "税务" in text and AccessLog.objects.filter(subject_type="registry.household",
                                                      subject_id=str(household.pk)).exists()


def test_province_county_approver_sees_all(world, county):
    approver = persona(world, Role.COUNTY_APPROVER, at=PROVINCE)
    gulou = world.extra["registry"]["household"][False]
    assert selectors.household_get_for_user(user=approver, pk=gulou.pk).pk == gulou.pk


@pytest.mark.parametrize(("source", "facts", "field"), [
    (Source.BANKS, {"balance_fen": -5}, "balance_fen"),
    (Source.BANKS, {"balance_fen": "12.50"}, "balance_fen"),
    (Source.BANKS, {"balance_fen": True}, "balance_fen"),
    (Source.TAX, {"monthly_income_fen": 10**14}, "monthly_income_fen"),
    (Source.VEHICLES, {"vehicles": [{"use": "boat"}]}, "vehicles[0].use"),
    (Source.VEHICLES, {"vehicles": "one"}, "vehicles"),
    (Source.BUSINESS_REGISTRATION, {"business_controller": "maybe"}, "business_controller"),
    (Source.REAL_ESTATE, {"homes": [{"floor_area_m2": "80.123", "acquired_on": "2020-01-01"}]},
     "homes[0].floor_area_m2"),
    (Source.REAL_ESTATE, {"homes": [{"floor_area_m2": "80"}]}, "homes[0].acquired_on"),
])
def test_bad_facts_are_named(source, facts, field):
    from jijinan.verification.sources import normalise

    _clean, errors = normalise(source, facts)
    assert field in errors, errors


def test_an_absurd_household_number_is_a_row_error(county):
    exc = refused(services.results_import, actor=county, source=Source.BANKS,
                  content=b"household_id,balance_fen\n99999999999999999999999,1\n")
    assert [(e.row, e.column) for e in exc.rows] == [(2, "household_id")]  # type: ignore[attr-defined]


def test_the_report_opens_the_calculator_prefilled_with_its_facts(world, household, clerk, county, client):
    report = _answered_report(household, clerk, county)
    client.force_login(clerk)
    html = client.get(f"/verification/reports/{report.pk}/").content.decode()
    start = html.index('data-testid="calculator-link"')
    link = html[html.rindex('href="', 0, start) + 6:html.index('"', html.rindex('href="', 0, start) + 6)]
    link = link.replace("&amp;", "&")
    assert "financial_assets=12500.05" in link and "homes=2" in link and "private_cars=1" in link
    assert "monthly_income=4500.00" in link and "business_controller=on" in link
    page = client.get(link).content.decode()
    assert 'value="12500.05"' in page and 'value="110.25"' in page
    # A supervisor reads the report but does not evaluate: no link for them.
    client.force_login(persona(world, Role.SUPERVISOR, at=XUANWU))
    html = client.get(f"/verification/reports/{report.pk}/").content.decode()
    assert "12,500.05" in html and 'data-testid="calculator-link"' not in html

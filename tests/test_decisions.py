"""Decision records: evaluate through the API, keep the decision with its parameter versions,
reproduce it exactly, and see what today's parameters would change; bad input saves nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Grant, Organisation, User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core.calendar.workdays import today_local
from jijinan.core.permissions import Role
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.policy.models import Decision, ParameterVersion
from jijinan.policy.services import VersionInput, parameter_version_add, parameters_load_json
from jijinan.regions.models import Region
from tests.world import PASSWORD

DEFAULTS = Path(__file__).resolve().parents[1] / "src/jijinan/policy/data/defaults.json"
XUANWU = "320102000000"
GULOU = "320106000000"
NANJING_STANDARD = 94500


@pytest.fixture(autouse=True)
def _fresh_policy_cache():  # type: ignore[no-untyped-def]
    policy_cache_invalidate()
    yield
    policy_cache_invalidate()


@pytest.fixture
def defaults(jiangsu):  # type: ignore[no-untyped-def]
    return parameters_load_json(actor=None, text=DEFAULTS.read_text(encoding="utf-8"), source="defaults.json")


def staff(code: str, role: str = Role.WINDOW_CLERK, username: str = "") -> User:
    region = Region.objects.get(code=code)
    office, _created = Organisation.objects.get_or_create(
        region=region, name=f"{region.name}民政局", defaults={"kind": OrganisationKind.CIVIL_AFFAIRS_OFFICE})
    user = User.objects.create_user(username=username or f"{role}_{code}", password=PASSWORD,
                                    organisation=office, full_name=f"{region.name}经办")
    Grant.objects.create(user=user, role=role, region=region)
    return user


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def dibao_inputs(*, on: date | None = None, income_fen: int = 50000, region: str = XUANWU) -> dict:
    day = on or today_local()
    return {"region_code": region, "on": day.isoformat(), "monthly_income_fen": income_fen,
            "household": {"members": [{"birth_date": date(day.year - 75, 1, 1).isoformat()}, {"age": 40}]}}


def evaluate(client: Client, inputs: dict, *, save: bool = False, program: str = "dibao"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/policy/evaluate", {"program": program, "inputs": inputs, "save": save},
                       content_type="application/json")


def counts() -> tuple[int, int]:
    return Decision.objects.count(), AuditEvent.objects.count()


def test_a_saved_decision_cites_its_versions_and_reproduces_exactly(defaults):
    clerk = staff(XUANWU)
    client = login(clerk)
    response = evaluate(client, dibao_inputs(), save=True)
    assert response.status_code == 201, response.content
    body = response.json()
    # (standard × 2 members − income) + the 70-year-old's 20 % uplift, exact in fen.
    expected = NANJING_STANDARD * 2 - 50000 + NANJING_STANDARD * 20 // 100
    assert body["amount_fen"] == expected
    assert body["eligible"] is True
    decision = Decision.objects.get(pk=body["decision_id"])
    assert decision.amount_fen == expected and decision.created_by == clerk
    cited = {p["name"]: p["version_id"] for p in decision.parameters}
    standard = ParameterVersion.objects.get(pk=cited["dibao.standard_monthly"])
    assert standard.region.code == "320100000000" and standard.value == NANJING_STANDARD
    assert AuditEvent.objects.filter(action="policy.decision.record", subject_id=str(decision.pk)).count() == 1

    again = client.get(f"/api/v1/policy/decisions/{decision.pk}/reproduce").json()
    assert again["same"] is True and again["evaluation"]["amount_fen"] == expected
    assert again["line_changes"] == [] and again["parameter_changes"] == []


def test_what_if_shows_what_a_new_standard_changes_and_reproduce_still_uses_the_old(defaults):
    clerk = staff(XUANWU)
    client = login(clerk)
    day = today_local()
    decision_id = evaluate(client, dibao_inputs(on=day), save=True).json()["decision_id"]
    # Xuanwu raises its own standard from today: a county version wins over Nanjing's.
    parameter_version_add(actor=None, name="dibao.standard_monthly", data=VersionInput(
        region_code=XUANWU, value=100000, effective_from=day, citation="玄武区测试文件", backdate=True))
    policy_cache_invalidate()

    what_if = client.get(f"/api/v1/policy/decisions/{decision_id}/what-if").json()
    assert what_if["same"] is False
    assert what_if["evaluation"]["amount_fen"] == 100000 * 2 - 50000 + 100000 * 20 // 100
    assert [c["name"] for c in what_if["parameter_changes"]] == ["dibao.standard_monthly"]
    assert what_if["line_changes"], "the changed standard shows in the lines"

    reproduced = client.get(f"/api/v1/policy/decisions/{decision_id}/reproduce").json()
    assert reproduced["same"] is True


def test_the_same_inputs_and_versions_give_the_same_fingerprint(defaults):
    client = login(staff(XUANWU))
    first = evaluate(client, dibao_inputs(), save=True).json()
    second = evaluate(client, dibao_inputs(), save=True).json()
    assert first["digest"] == second["digest"] and first["decision_id"] != second["decision_id"]
    third = evaluate(client, dibao_inputs(income_fen=50001), save=True).json()
    assert third["digest"] != first["digest"]


@pytest.mark.parametrize(("change", "field"), [
    (lambda i: {**i, "monthly_income_fen": -1}, "monthly_income_fen"),
    (lambda i: {**i, "household": {"members": []}}, "household.members"),
    (lambda i: {**i, "household": {"members": [{"age": 151}]}}, "household.members[0].age"),
    (lambda i: {**i, "household": {"members": [{"birth_date": "2001-02-30"}]}},
     "inputs.household.members[0].birth_date"),
    (lambda i: {**i, "monthly_income_fen": 1.5}, "inputs.monthly_income_fen"),
    (lambda i: {**i, "colour": "red"}, "inputs.colour"),
])
def test_bad_input_names_the_field_and_saves_nothing(defaults, change, field):
    client = login(staff(XUANWU))
    before = counts()
    response = evaluate(client, change(dibao_inputs()), save=True)
    assert response.status_code == 400, response.content
    assert field in response.json()["field_errors"], response.json()
    assert counts() == before


def test_a_day_without_parameters_in_force_is_refused_naming_the_day(defaults):
    client = login(staff(XUANWU))
    before = counts()
    response = evaluate(client, dibao_inputs(on=date(2001, 1, 1)), save=True)
    assert response.status_code == 404
    assert "on" in response.json()["field_errors"]
    assert counts() == before


def test_a_region_outside_the_clerks_area_is_refused_and_saves_nothing(defaults):
    client = login(staff(XUANWU))
    before = counts()
    for save in (False, True):
        assert evaluate(client, dibao_inputs(region=GULOU), save=save).status_code == 403
    assert counts() == before


def test_a_preview_saves_nothing(defaults):
    client = login(staff(XUANWU))
    before = counts()
    response = evaluate(client, dibao_inputs())
    assert response.status_code == 200 and response.json()["decision_id"] is None
    assert counts() == before


def test_decisions_are_listed_in_scope_and_each_view_is_logged(defaults):
    xuanwu = login(staff(XUANWU))
    gulou = login(staff(GULOU))
    mine = evaluate(xuanwu, dibao_inputs(), save=True).json()["decision_id"]
    theirs = evaluate(gulou, dibao_inputs(region=GULOU), save=True).json()["decision_id"]
    listed = [d["id"] for d in xuanwu.get("/api/v1/policy/decisions").json()["items"]]
    assert listed == [mine]
    assert xuanwu.get(f"/api/v1/policy/decisions/{theirs}").status_code == 404
    logged = AccessLog.objects.filter(subject_id=str(mine)).count()
    assert xuanwu.get(f"/api/v1/policy/decisions/{mine}").status_code == 200
    assert AccessLog.objects.filter(subject_id=str(mine)).count() == logged + 1


def test_every_program_evaluates_through_the_api(defaults):
    client = login(staff(XUANWU))
    day = today_local().isoformat()
    members = {"members": [{"age": 45}, {"age": 12}]}
    cases = {
        "tekun": {"region_code": XUANWU, "on": day, "person": {"age": 82}, "monthly_income_fen": 0},
        "low_income": {"region_code": XUANWU, "on": day, "household": members, "monthly_income_fen": 200000},
        "temporary_assistance": {"region_code": XUANWU, "on": day, "kind": "emergency", "cause": "fire",
                                 "requested_amount_fen": 200000, "household": members},
        "medical_assistance": {"region_code": XUANWU, "on": day, "category": "dibao",
                               "eligible_expense_fen": 1000000},
    }
    for program, inputs in cases.items():
        response = evaluate(client, inputs, program=program)
        assert response.status_code == 200, (program, response.content)
        body = response.json()
        assert body["program"] == program and body["lines"], program
        assert all(p["version_id"] for line in body["lines"] for p in line["parameters"])


def calculator_form(**overrides: str) -> dict[str, str]:
    data = {"region_code": XUANWU, "on": today_local().isoformat(), "monthly_income": "500",
            "m-TOTAL_FORMS": "6", "m-INITIAL_FORMS": "0", "m-0-age": "75", "m-1-age": "40",
            "m-0-unable_activities": ["eating", "bathing"]}
    data.update(overrides)
    return data  # type: ignore[return-value]


def test_the_window_calculator_shows_every_programs_reasons_and_saves_nothing_by_default(defaults):
    client = login(staff(XUANWU))
    page = client.get("/policy/calculator/")
    assert page.status_code == 200 and XUANWU in page.content.decode()
    before = counts()
    response = client.post("/policy/calculator/", calculator_form(ta_requested="2000", ta_cause="fire"))
    html = response.content.decode()
    assert response.status_code == 200
    for program in ("dibao", "low_income", "tekun", "temporary_assistance"):
        assert f'data-testid="result-{program}"' in html, program
    assert 'data-testid="result-medical_assistance"' not in html  # no expense given
    expected = NANJING_STANDARD * 2 - 50000 + NANJING_STANDARD * 20 // 100
    assert f"{expected / 100:,.2f}" in html
    assert counts() == before


def test_the_calculator_keeps_decisions_when_asked(defaults):
    clerk = staff(XUANWU)
    client = login(clerk)
    response = client.post("/policy/calculator/", calculator_form(save="on", note="窗口测算"))
    assert response.status_code == 200
    kept = Decision.objects.filter(created_by=clerk)
    assert sorted(kept.values_list("program", flat=True)) == ["dibao", "low_income", "tekun"]
    assert set(kept.values_list("note", flat=True)) == {"窗口测算"}


def test_the_calculator_refuses_an_empty_household_and_a_foreign_region(defaults):
    client = login(staff(XUANWU))
    before = counts()
    empty = client.post("/policy/calculator/", {**calculator_form(save="on"), "m-0-age": "", "m-1-age": ""})
    assert empty.status_code == 400 and "至少填写一位家庭成员" in empty.content.decode()
    # A region outside the clerk's area is refused beside the region picker, the household kept.
    foreign = client.post("/policy/calculator/", calculator_form(region_code=GULOU, save="on"))
    assert foreign.status_code == 400 and "不在您的工作范围内" in foreign.content.decode()
    assert 'name="monthly_income" value="500"' in foreign.content.decode()
    old = client.post("/policy/calculator/", calculator_form(on="2001-01-01", save="on"))
    assert old.status_code == 400 and "没有生效的取值" in old.content.decode()
    assert counts() == before


def test_decision_pages_show_the_reproduction_and_the_what_if(defaults, django_assert_max_num_queries):
    client = login(staff(XUANWU))
    for _ in range(3):
        evaluate(client, dibao_inputs(), save=True)
    with django_assert_max_num_queries(12):
        listing = client.get("/policy/decisions/")
    assert listing.status_code == 200 and listing.content.decode().count("/policy/decisions/") >= 3
    decision = Decision.objects.first()
    assert decision is not None
    detail = client.get(f"/policy/decisions/{decision.pk}/?what_if=today").content.decode()
    assert "结果完全一致" in detail and 'data-testid="what-if"' in detail and "结论与金额不变" in detail


def test_the_calculator_opens_prefilled_from_the_query_string(defaults):
    client = login(staff(XUANWU))
    html = client.get("/policy/calculator/?financial_assets=1234.50&homes=2&age=70&age=12&colour=red").content.decode()
    assert 'value="1234.50"' in html and 'name="m-0-age" value="70"' in html and 'name="m-1-age" value="12"' in html


def test_decision_records_export_to_excel_in_scope_and_logged(defaults):
    import io

    from openpyxl import load_workbook

    xuanwu = login(staff(XUANWU))
    gulou = login(staff(GULOU))
    mine = evaluate(xuanwu, dibao_inputs(), save=True).json()["decision_id"]
    evaluate(gulou, dibao_inputs(region=GULOU), save=True)
    logged = AccessLog.objects.filter(kind="export").count()
    response = xuanwu.get("/policy/decisions/export/?program=dibao")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    ids = [row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert ids == [mine]
    assert AccessLog.objects.filter(kind="export").count() == logged + 1

"""The filing (备案) of township approvals: a township's approval under its ceiling is filed with
its county exactly once (by the real outbox worker, run twice), a county's approval is not; the
county draws a random sample with the share of the parameter or its own (rounded up, at least one,
the seed kept), records each sampled filing's finding; who sees and does what, in which county."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases.choices import ApproverLevel
from jijinan.cases.intake.services import case_intake
from jijinan.cases.workflow import services as wf
from jijinan.core import exports
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.models import OutboxDelivery
from jijinan.core.permissions import Role
from jijinan.regions.models import Region
from jijinan.supervision.filings import selectors, services
from jijinan.supervision.filings.services import DrawInput, filing_check, filing_draw
from jijinan.supervision.models import ApprovalFiling, SpotCheckDraw
from tests.test_cases import TOWNSHIP, intake
from tests.test_cases_workflow import _case, _county_level_review, _end_notice, _fresh, _review, subject  # noqa: F401
from tests.world import GULOU, XUANWU, World, persona

pytestmark = pytest.mark.django_db

GULOU_TOWNSHIP = "320106001000"


def extend_module_world(world: World) -> None:
    ApprovalFiling.objects.all().delete()  # the permission cases' filings: counts here are exact


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    found = {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.SUPERVISOR,
        Role.DEPARTMENT_HANDLER)}
    found["township_lead_only"] = persona(world, Role.TOWNSHIP_LEAD, at=TOWNSHIP)
    found["gulou_supervisor"] = persona(world, Role.SUPERVISOR, at=GULOU)
    found["gulou_lead"] = persona(world, Role.TOWNSHIP_LEAD, at=GULOU_TOWNSHIP)
    return found


def _deliver() -> int:
    return outbox_deliver_due(worker_id="test")


def _approved_by(people: dict[str, Any], subject: Any, who: str) -> Any:  # noqa: F811
    case = _case(people, subject)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review())
    assert case.approver_level == ApproverLevel.TOWNSHIP
    return wf.case_approve(actor=people[who], case=_fresh(case), version=case.version)


def _filings(n: int, *, region: str = TOWNSHIP, days_ago: int = 0) -> list[ApprovalFiling]:
    """``n`` filings of approvals made by the township, as the handler would have written them."""
    township = Region.objects.get(code=region)
    county = township.parent
    at = timezone.now() - timedelta(days=days_ago)
    made = []
    for _i in range(n):
        case = case_intake(actor=None, data=intake(subject_name="某某", handling_region_code=region)).case
        made.append(ApprovalFiling.objects.create(case=case, township=township, county=county, amount_fen=100000,
                                                  ceiling_fen=300000, approved_at=at, filed_at=at))
    return made


def _period(days_back: int = 0) -> dict[str, Any]:
    today = timezone.localdate()
    return {"period_from": today - timedelta(days=days_back), "period_to": today}


# --- filing ----------------------------------------------------------------------------------------------


def test_a_township_approval_is_filed_once_and_a_county_approval_is_not(world, people, subject):  # noqa: F811
    case = _approved_by(people, subject, Role.TOWNSHIP_LEAD)
    assert _deliver() >= 1
    filing = ApprovalFiling.objects.get(case=case)
    assert (filing.township.code, filing.county.code, filing.amount_fen, filing.status) == (
        TOWNSHIP, XUANWU, 200000, "filed")
    assert filing.ceiling_fen == case.decision.result["township_ceiling_fen"] and filing.ceiling_fen > 200000
    assert filing.approved_by == people[Role.TOWNSHIP_LEAD]
    assert filing.approved_at == case.events.get(kind="stage.approve").at
    # The worker delivers again (a lease ran out, a replay): the case still has one filing.
    assert OutboxDelivery.objects.filter(handler="supervision.filings").update(status="pending", claimed_by="",
                                                                               lease_expires_at=None) >= 1
    assert _deliver() >= 1
    assert ApprovalFiling.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="supervision.filing.file").count() == 1

    by_county = _approved_by(people, subject, Role.COUNTY_APPROVER)  # within the ceiling, by the county itself
    above = _county_level_review(people, _case(people, subject))
    _end_notice(above)
    above = wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(above), version=above.version)
    _deliver()
    assert not ApprovalFiling.objects.filter(case__in=[by_county, above]).exists()
    assert ApprovalFiling.objects.count() == 1


# --- draws and checks ----------------------------------------------------------------------------------------


def test_a_draw_takes_the_share_rounded_up_keeps_its_seed_and_the_findings_are_recorded(world, people):
    approver = people[Role.COUNTY_APPROVER]
    filings = _filings(12)
    older = _filings(2, days_ago=40)  # outside the period
    draw = filing_draw(actor=approver, data=DrawInput(county_code=XUANWU, **_period(7)))
    assert (draw.population, draw.drawn, str(draw.share)) == (12, 2, "0.1000")  # 10 % of 12 → 1.2 → 2
    assert len(draw.seed) == 32 and draw.parameters["case_handling.filing_sample_rate"] is not None
    drawn = sorted(ApprovalFiling.objects.filter(draw=draw).values_list("pk", flat=True))
    assert drawn == sorted(random.Random(draw.seed).sample(sorted(f.pk for f in filings), 2))  # repeatable
    assert ApprovalFiling.objects.filter(status="sampled").count() == 2

    second = filing_draw(actor=people[Role.SUPERVISOR], data=DrawInput(county_code=XUANWU, share_percent="25",
                                                                       **_period(7)))
    assert (second.population, second.drawn) == (10, 3)  # the drawn ones are not drawn again; 2.5 → 3
    third = filing_draw(actor=approver, data=DrawInput(county_code=XUANWU, share_percent="1", **_period(60)))
    assert (third.population, third.drawn) == (9, 1)  # at least one; the older filings count in a longer period
    assert ApprovalFiling.objects.filter(status="filed").count() == 8
    for f in older:  # only the longer period reaches them
        f.refresh_from_db()
        assert f.draw_id in (None, third.pk)

    with pytest.raises(DomainError) as bad:
        filing_draw(actor=approver, data=DrawInput(county_code=XUANWU, share_percent="150",
                                                   period_from=timezone.localdate(),
                                                   period_to=timezone.localdate() - timedelta(days=1)))
    assert sorted(bad.value.field_errors) == ["period_to", "share_percent"]
    with pytest.raises(Forbidden):
        filing_draw(actor=people[Role.TOWNSHIP_LEAD], data=DrawInput(county_code=XUANWU, **_period()))
    with pytest.raises(Forbidden):
        filing_draw(actor=people["gulou_supervisor"], data=DrawInput(county_code=XUANWU, **_period()))
    with pytest.raises(DomainError) as empty:
        filing_draw(actor=people["gulou_supervisor"], data=DrawInput(county_code=GULOU, **_period()))
    assert empty.value.code == "nothing_to_draw"
    assert SpotCheckDraw.objects.count() == 3

    sampled = ApprovalFiling.objects.filter(draw=draw).order_by("pk").first()
    unsampled = ApprovalFiling.objects.filter(status="filed").first()
    with pytest.raises(DomainError) as not_drawn:
        filing_check(actor=approver, filing=unsampled, version=1, finding="compliant", note="")
    assert not_drawn.value.code == "filing_not_sampled"
    with pytest.raises(DomainError) as no_note:
        filing_check(actor=approver, filing=sampled, version=2, finding="problem", note=" ")
    assert list(no_note.value.field_errors) == ["note"]
    with pytest.raises(Conflict):
        filing_check(actor=approver, filing=sampled, version=1, finding="compliant", note="")
    with pytest.raises(Forbidden):
        filing_check(actor=people["township_lead_only"], filing=sampled, version=2, finding="compliant", note="")
    checked = filing_check(actor=approver, filing=sampled, version=2, finding="problem",
                           note="缺少入户调查记录")
    assert (checked.status, checked.finding, checked.check_note, checked.checked_by, checked.version) == (
        "checked", "problem", "缺少入户调查记录", approver, 3)
    assert AuditEvent.objects.filter(action="supervision.filing.check").count() == 1
    assert AuditEvent.objects.filter(action="supervision.filing.draw").count() == 3


def test_scoping_who_sees_which_filings(world, people):
    mine = _filings(2)
    theirs = _filings(1, region=GULOU_TOWNSHIP)
    assert set(selectors.filing_list_for_user(user=people[Role.COUNTY_APPROVER])) == set(mine)
    assert set(selectors.filing_list_for_user(user=people["township_lead_only"])) == set(mine)
    assert set(selectors.filing_list_for_user(user=people["gulou_supervisor"])) == set(theirs)
    assert set(selectors.filing_list_for_user(user=people["gulou_lead"])) == set(theirs)
    with pytest.raises(NotFound):
        selectors.filing_get_for_user(user=people["gulou_supervisor"], pk=mine[0].pk)
    other = _client(people["gulou_supervisor"])
    assert other.get(f"/supervision/filings/{mine[0].pk}/").status_code == 404
    assert other.get(f"/api/v1/supervision/filings/{mine[0].pk}").status_code == 404
    assert [f["id"] for f in other.get("/api/v1/supervision/filings").json()["items"]] == [theirs[0].pk]
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    assert handler.get("/supervision/filings/").status_code == 403
    assert handler.get("/api/v1/supervision/filings").status_code == 403
    lead = _client(people["township_lead_only"])
    page = lead.get("/supervision/filings/").content.decode()
    assert page.count('data-testid="filing-row"') == 2 and 'data-testid="draw"' not in page
    assert lead.post("/supervision/filings/draw/", {"county": XUANWU, "period_from": "2026-01-01",
                                                    "period_to": "2026-12-31"}).status_code == 403


def test_the_pages_draw_check_filter_export_and_the_home_panel(world, people):
    filings = _filings(5)
    client = _client(people[Role.COUNTY_APPROVER])
    page = client.get("/supervision/filings/").content.decode()
    assert page.count('data-testid="filing-row"') == 5 and 'data-testid="draw"' in page
    assert "不填则按政策参数 10%" in page
    today = timezone.localdate().isoformat()
    refused = client.post("/supervision/filings/draw/", {"county": XUANWU, "period_from": today,
                                                         "period_to": "2020-01-01", "share_percent": ""})
    assert refused.status_code == 400 and "截止日期不能早于起始日期" in refused.content.decode()
    outside = client.post("/supervision/filings/draw/", {"county": GULOU, "period_from": today, "period_to": today})
    assert outside.status_code == 400 and SpotCheckDraw.objects.count() == 0
    done = client.post("/supervision/filings/draw/", {"county": XUANWU, "period_from": today, "period_to": today,
                                                      "share_percent": "40"})
    assert done.status_code == 302 and done["Location"] == "/supervision/filings/?status=sampled"
    draw = SpotCheckDraw.objects.get()
    assert (draw.population, draw.drawn, draw.drawn_by) == (5, 2, people[Role.COUNTY_APPROVER])
    listed = client.get(done["Location"]).content.decode()
    assert listed.count('data-testid="filing-row"') == 2 and draw.seed in listed
    assert "2 件抽中的备案待登记抽查结论" in listed

    home = client.get("/").content.decode()
    panel = re.search(r'<article[^>]*data-panel="supervision.filing_checks".*?</article>', home, re.S)
    assert panel is not None and "2 件抽中的乡镇审批备案待登记抽查结论" in panel.group(0)

    sampled = list(ApprovalFiling.objects.filter(draw=draw).order_by("pk"))
    detail = client.get(f"/supervision/filings/{sampled[0].pk}/").content.decode()
    assert 'data-testid="check"' in detail
    assert f'href="/cases/{sampled[0].case_id}/" data-testid="filing-case"' in detail
    no_note = client.post(f"/supervision/filings/{sampled[0].pk}/check/", {"version": 2, "finding": "problem",
                                                                           "note": ""})
    assert no_note.status_code == 400 and "存在问题的，请写明发现的问题" in no_note.content.decode()
    ok = client.post(f"/supervision/filings/{sampled[0].pk}/check/", {"version": 2, "finding": "compliant",
                                                                      "note": "材料齐全"})
    assert ok.status_code == 302
    shown = client.get(f"/supervision/filings/{sampled[0].pk}/").content.decode()
    assert "符合规定" in shown and "材料齐全" in shown and 'data-testid="check"' not in shown
    not_sampled = next(f for f in filings if f.pk not in {s.pk for s in sampled})
    assert 'data-testid="check"' not in client.get(f"/supervision/filings/{not_sampled.pk}/").content.decode()

    def rows(query: str) -> int:
        return client.get(f"/supervision/filings/?{query}").content.decode().count('data-testid="filing-row"')
    assert rows("status=filed") == 3 and rows("status=checked") == 1 and rows("finding=compliant") == 1
    assert rows(f"q={filings[0].case.number}") == 1 and rows(f"township={TOWNSHIP}") == 5
    assert rows("period_from=2020-01-01&period_to=2020-12-31") == 0

    response = client.get("/supervision/filings/export/?status=checked")
    assert response.status_code == 200 and response["X-Export-Rows"] == "1"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    table = list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(min_row=exports.HEADER_ROWS,
                                                                         values_only=True))
    row = dict(zip(table[0], table[1], strict=False))
    assert (row["事项编号"], row["审批乡镇（街道）"], row["审批金额（元）"], row["抽查结论"], row["抽查意见"]) == (
        sampled[0].case.number, "梅园新村街道", 1000, "符合规定", "材料齐全")
    assert AccessLog.objects.filter(kind="export", subject_type="supervision.approvalfiling").count() == 1


def test_the_api_lists_draws_and_checks(world, people):
    _filings(3)
    client = _client(people[Role.SUPERVISOR])
    today = timezone.localdate().isoformat()
    assert client.get("/api/v1/supervision/filings?status=filed").json()["count"] == 3
    outside = client.post("/api/v1/supervision/filing-draws", {"county_code": GULOU, "period_from": today,
                                                               "period_to": today}, content_type="application/json")
    assert outside.status_code == 403
    made = client.post("/api/v1/supervision/filing-draws", {"county_code": XUANWU, "period_from": today,
                                                            "period_to": today}, content_type="application/json")
    assert made.status_code == 201
    draw = made.json()
    assert (draw["population"], draw["drawn"], len(draw["filing_ids"])) == (3, 1, 1)  # 10 % of 3 → at least 1
    url = f"/api/v1/supervision/filings/{draw['filing_ids'][0]}"
    assert client.get(url).json()["status"] == "sampled"
    stale = client.post(url + "/check", {"version": 1, "finding": "compliant"}, content_type="application/json")
    assert stale.status_code == 409
    checked = client.post(url + "/check", {"version": 2, "finding": "problem", "note": "审批表未签字"},
                          content_type="application/json")
    assert checked.status_code == 200
    assert (checked.json()["status"], checked.json()["finding"], checked.json()["version"]) == ("checked", "problem", 3)
    again = client.post(url + "/check", {"version": 3, "finding": "compliant"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "filing_not_sampled"
    assert services.sample_size(0, services.FALLBACK_RATE) == 0


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_rows(world, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(people[Role.COUNTY_APPROVER])
    _filings(1)
    client.get("/supervision/filings/")  # the session and the caches, warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/supervision/filings/").status_code == 200
        return len(captured)
    one = queries()
    _filings(4)
    assert queries() == one

"""Keyword search of cases in real use: cases taken up through the intake API are found by a word
of their description, their number and their 12345 order number (exactly), through the search API
and the queue page; after a transfer in the new township's scope; by a work order linked later; by
phone only through a request body; and again after the index is rebuilt by `jijinan search rebuild`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jijinan.audit.models import AuditEvent
from jijinan.cases.models import Case, CaseEvent
from jijinan.core.models import SearchEntry
from jijinan.core.permissions import Role
from jijinan.core.search.textsearch import textsearch_ids, textsearch_index, textsearch_remove
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

VILLAGE = "320102002001"  # 示例社区, 梅园新村街道 (玄武区)
GULOU_TOWNSHIP = "320106001000"  # 宁海路街道 (鼓楼区)
PHONE = "13905171234"
FIRE_ORDER, ILLNESS_ORDER = "NJ12345-2026-0001", "NJ12345-2026-00012"


def _client(world: Any, role: str, at: str = XUANWU) -> Client:
    client = Client()
    client.force_login(persona(world, role, at=at))
    return client


def _intake(client: Client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline_12345", "handling_region_code": VILLAGE,
        "event_at": (timezone.now() - timedelta(hours=1)).isoformat(), "categories": ["fire"],
        "needs": ["food_shelter"], "description": "厂房锅炉爆燃，宿舍烧毁，一家四口无处居住",
        "subject_name": "来电人", "reporter_name": "周邻居", "reporter_phone": PHONE,
        "work_orders": {"12345": FIRE_ORDER}}
    body.update(overrides)
    response = client.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def _search(client: Client, q: str) -> list[str]:
    response = client.get("/api/v1/cases/search", {"q": q, "page_size": 100})
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


@pytest.fixture
def clerk(world: Any) -> Client:
    return _client(world, Role.WINDOW_CLERK)


@pytest.fixture
def two_cases(clerk: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    fire = _intake(clerk)
    illness = _intake(clerk, categories=["serious_illness"], needs=["medical"], reporter_phone="13905170000",
                      description="突发重病住院，医疗费用无力承担", subject_name="赵病人",
                      work_orders={"12345": ILLNESS_ORDER})
    return fire, illness


def test_cases_from_intake_are_found_by_words_numbers_and_order_numbers(clerk, two_cases):  # type: ignore[no-untyped-def]
    fire, illness = two_cases
    found = _search(clerk, "火灾")  # the category's Chinese name
    assert fire["number"] in found and illness["number"] not in found
    assert _search(clerk, "重病") == [illness["number"]]
    assert _search(clerk, "锅炉") == [fire["number"]]  # a word of the description
    assert _search(clerk, "住院 医疗") == [illness["number"]]
    assert _search(clerk, "赵病人") == [illness["number"]]  # the subject's name
    assert _search(clerk, "周邻居 锅炉") == [fire["number"]]  # the reporter's name
    assert _search(clerk, fire["number"]) == [fire["number"]]
    assert _search(clerk, illness["number"].lower()) == [illness["number"]]
    # An order number typed in full is found exactly, not the longer numbers it begins.
    assert _search(clerk, FIRE_ORDER) == [fire["number"]]
    assert _search(clerk, ILLNESS_ORDER) == [illness["number"]]
    # Its beginning (nothing holds it whole) finds every order of the series.
    assert set(_search(clerk, "NJ12345-2026")) == {fire["number"], illness["number"]}


def test_a_phone_or_an_id_number_never_finds_a_case_by_keywords(world, clerk):  # type: ignore[no-untyped-def]
    reviewer = _client(world, Role.TOWNSHIP_REVIEWER)
    case = _intake(reviewer, channel="window", work_orders={}, subject_name="", description=(
        "来电人称其电话13905176666，身份证号320102199001011234，住房失火"), new_person={
        "name": "钱登记", "id_number": "11010519491231002X", "residence_region_code": VILLAGE,
        "phone": "13905175555"})
    assert _search(clerk, "钱登记") == [case["number"]]  # the linked person's name
    entry = SearchEntry.objects.get(subject_type="cases.case", subject_id=str(case["id"]))
    for secret in (PHONE, "13905176666", "320102199001011234", "11010519491231002x", "13905175555"):
        assert secret not in entry.text_tokens
        assert _search(clerk, secret) == []


def test_the_queue_pages_keyword_box_finds_an_intake_case(clerk, two_cases):  # type: ignore[no-untyped-def]
    fire, illness = two_cases
    page = clerk.get("/cases/queue/", {"q": "锅炉"}).content.decode()
    assert f'data-case="{fire["number"]}"' in page and f'data-case="{illness["number"]}"' not in page
    page = clerk.get("/cases/queue/", {"q": FIRE_ORDER}).content.decode()
    assert re.findall(r'data-case="([^"]+)"', page) == [fire["number"]]


def test_after_a_transfer_is_accepted_the_case_is_found_in_the_new_township_only(world, defaults, clerk):  # type: ignore[no-untyped-def]
    case = _intake(clerk)
    reviewer = _client(world, Role.TOWNSHIP_REVIEWER)
    moved = reviewer.post(f"/api/v1/cases/{case['id']}/transfer", json.dumps(
        {"version": case["version"], "to_region_code": GULOU_TOWNSHIP, "reason": "对象已迁居鼓楼区"}),
        content_type="application/json")
    assert moved.status_code == 200, moved.content
    gulou = _client(world, Role.TOWNSHIP_REVIEWER, at=GULOU)
    version = Case.objects.get(pk=case["id"]).version
    accepted = gulou.post(f"/api/v1/cases/{case['id']}/transfer-accept", json.dumps({"version": version}),
                          content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    assert _search(gulou, "锅炉") == [case["number"]]
    assert _search(gulou, FIRE_ORDER) == [case["number"]]
    assert _search(clerk, "锅炉") == []
    # The index entry moved with the case: it lies in the new township's region.
    assert list(textsearch_ids(subject_type="cases.case", query="锅炉", region_prefix="320106")) == [str(case["id"])]
    assert list(textsearch_ids(subject_type="cases.case", query="锅炉", region_prefix="320102")) == []


def _add(client: Client, case_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/work-orders", json.dumps(body), content_type="application/json")


def test_a_work_order_linked_later_finds_the_case(world, clerk):  # type: ignore[no-untyped-def]
    case = _intake(clerk, work_orders={})
    assert _search(clerk, "GA110-2026-77") == []
    added = _add(clerk, case["id"], version=case["version"], kind="110", number="GA110-2026-77")
    assert added.status_code == 200, added.content
    body = added.json()
    assert body["version"] == case["version"] + 1 and body["work_orders"] == {"110": "GA110-2026-77"}
    assert _search(clerk, "GA110-2026-77") == [case["number"]]
    assert CaseEvent.objects.filter(case_id=case["id"], kind="work_order").count() == 1
    assert AuditEvent.objects.filter(action="cases.case.work_order_add", subject_id=str(case["id"])).count() == 1
    # A different number for the same kind needs a reason; with one it replaces the old number.
    refused = _add(clerk, case["id"], version=body["version"], kind="110", number="GA110-2026-78")
    assert refused.status_code == 409 and "reason" in refused.json()["field_errors"]
    replaced = _add(clerk, case["id"], version=body["version"], kind="110", number="GA110-2026-78",
                    reason="坐席录入错误")
    assert replaced.status_code == 200 and replaced.json()["work_orders"] == {"110": "GA110-2026-78"}
    assert _search(clerk, "GA110-2026-78") == [case["number"]]
    assert _search(clerk, "GA110-2026-77") == []


def test_a_refused_work_order_changes_nothing(world, clerk):  # type: ignore[no-untyped-def]
    case = _intake(clerk)
    before = (Case.objects.get(pk=case["id"]).version, CaseEvent.objects.count(), AuditEvent.objects.count())
    stale = _add(clerk, case["id"], version=case["version"] + 5, kind="120", number="JJ120-1")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad = _add(clerk, case["id"], version=case["version"], kind="119", number="有 空格")
    assert bad.status_code == 400 and set(bad.json()["field_errors"]) == {"kind", "number"}
    same = _add(clerk, case["id"], version=case["version"], kind="12345", number=FIRE_ORDER)
    assert same.status_code == 400 and same.json()["code"] == "work_order_exists"
    assert (Case.objects.get(pk=case["id"]).version, CaseEvent.objects.count(), AuditEvent.objects.count()) == before
    assert _search(clerk, "JJ120-1") == []


def test_a_hotline_operator_links_orders_to_hotline_cases_only(world, clerk):  # type: ignore[no-untyped-def]
    hotline = _intake(clerk, work_orders={})
    window = _intake(clerk, channel="window", work_orders={})
    operator = _client(world, Role.HOTLINE_OPERATOR)
    # The case page offers the form only where it would be taken.
    assert 'data-testid="work-order-add"' in operator.get(f"/cases/{hotline['id']}/").content.decode()
    assert 'data-testid="work-order-add"' not in operator.get(f"/cases/{window['id']}/").content.decode()
    assert _add(operator, hotline["id"], version=hotline["version"], kind="120", number="JJ120-9").status_code == 200
    refused = _add(operator, window["id"], version=window["version"], kind="120", number="JJ120-9")
    assert refused.status_code == 403
    assert Case.objects.get(pk=window["id"]).work_orders == {}


def test_the_case_page_form_links_a_work_order_and_keeps_the_input_on_a_refusal(world, clerk):  # type: ignore[no-untyped-def]
    case = _intake(clerk, work_orders={})
    page = clerk.get(f"/cases/{case['id']}/").content.decode()
    assert 'data-testid="work-order-add"' in page and f"/cases/{case['id']}/work-orders/" in page
    refused = clerk.post(f"/cases/{case['id']}/work-orders/", {"version": case["version"], "kind": "12345",
                                                               "number": "坏 编号"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'value="坏 编号"' in html and "工单编号只能含字母、数字和连字符" in html
    done = clerk.post(f"/cases/{case['id']}/work-orders/", {"version": case["version"], "kind": "12345",
                                                            "number": "NJ12345-2026-0300"})
    assert done.status_code == 302
    assert _search(clerk, "NJ12345-2026-0300") == [case["number"]]


def test_a_search_by_phone_goes_in_the_body(clerk, two_cases):  # type: ignore[no-untyped-def]
    fire, _illness = two_cases
    found = clerk.post("/api/v1/cases/search", json.dumps({"phone": "139-0517-1234"}),
                       content_type="application/json")
    assert found.status_code == 200 and [i["number"] for i in found.json()["items"]] == [fire["number"]]
    both = clerk.post("/api/v1/cases/search", json.dumps({"phone": PHONE, "q": "重病"}),
                      content_type="application/json")
    assert both.json()["items"] == []
    for url in (f"/api/v1/cases/search?phone={PHONE}", f"/api/v1/cases/queue?phone={PHONE}"):
        refused = clerk.get(url)
        assert refused.status_code == 400 and "phone" in refused.json()["field_errors"]


_URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|formaction|hx-get|hx-post|data-url)="([^"]*)"')


def test_the_queue_page_searches_by_phone_with_a_post_and_no_url_holds_the_number(clerk, two_cases):  # type: ignore[no-untyped-def]
    fire, _illness = two_cases
    blank = clerk.get("/cases/queue/").content.decode()
    # The filter form (GET) has no phone field; the phone has a POST form of its own.
    get_form = re.search(r'<form method="get".*?</form>', blank, re.S)
    assert get_form is not None and 'name="phone"' not in get_form.group(0)
    assert re.search(r'<form method="post"[^>]*data-testid="case-queue-phone".*?name="phone"', blank, re.S)
    response = clerk.post("/cases/queue/", {"phone": "139 0517 1234"})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'data-case="([^"]+)"', page) == [fire["number"]]
    urls = _URL_ATTRIBUTES.findall(page)
    assert urls and not [u for u in urls if re.sub(r"\D", "", u).find("1390517") >= 0]
    # A malformed number is refused on the POST form, which keeps what was typed.
    refused = clerk.post("/cases/queue/", {"phone": "139 0517"})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'value="139 0517"' in html and 'role="alert"' in html
    assert not [u for u in _URL_ATTRIBUTES.findall(html) if "1390517" in re.sub(r"\D", "", u)]


def test_one_index_write_per_intake_even_with_several_event_writes(clerk):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        case = _intake(clerk, crisis=True, crisis_note="扬言轻生")
    upserts = [q["sql"] for q in queries.captured_queries
               if re.match(r'\s*INSERT INTO "core_searchentry"', q["sql"])]
    assert len(upserts) == 1
    assert CaseEvent.objects.filter(case_id=case["id"], kind="crisis_alert").exists()
    assert _search(clerk, "锅炉") == [case["number"]]


def test_rebuild_indexes_every_case_again_and_forgets_deleted_ones(clerk, two_cases):  # type: ignore[no-untyped-def]
    fire, illness = two_cases
    for case in Case.objects.all():
        textsearch_remove(subject_type="cases.case", subject_id=case.pk)
    textsearch_index(subject_type="cases.case", subject_id=999_999_999, text="锅炉 已删除的事项")
    assert _search(clerk, "锅炉") == [] and _search(clerk, FIRE_ORDER) == []
    out, err = StringIO(), StringIO()
    call_command("search", "rebuild", "--batch-size", "2", stdout=out, stderr=err)
    total = Case.objects.count()
    assert f"{total} 件事项" in out.getvalue() and "移除 1 条" in out.getvalue()
    assert "100%" in err.getvalue() and f"{total}/{total}" in err.getvalue()
    assert _search(clerk, "锅炉") == [fire["number"]]
    assert _search(clerk, FIRE_ORDER) == [fire["number"]]
    assert _search(clerk, "重病") == [illness["number"]]
    assert not SearchEntry.objects.filter(subject_type="cases.case", subject_id="999999999").exists()
    assert SearchEntry.objects.filter(subject_type="cases.case").count() == total

"""督办 orders through the pages and the API, as the people who use them: the supervisor finds a case
and opens an order (a refused form keeps what was typed; a second order on the same case is refused
naming the first), the department's handler finds it on the home panel and the list of orders to
answer and answers with a document, the supervisor sends it back and then closes it; the list's
filters and logged export; a stale answer refused with its text kept; another county's order answers
404; the pages in English and in few queries; the API's moves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from jijinan.audit.models import AccessLog
from jijinan.core.permissions import Role
from jijinan.supervision.choices import OrderStatus
from jijinan.supervision.models import OrderAttachment, SupervisionOrder
from tests.test_supervision_orders import PDF, _case, _open, offices, people  # noqa: F401
from tests.world import XUANWU

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _panel(page: str, code: str) -> str:
    found = re.search(r'<article[^>]*data-panel="' + re.escape(code) + r'".*?</article>', page, re.S)
    return found.group(0) if found else ""


def test_an_order_by_hand_answered_sent_back_and_closed_through_the_pages(world, people):  # noqa: F811
    case = _case(world)
    supervisor = _client(people[Role.SUPERVISOR])
    found = supervisor.get(f"/supervision/orders/new/?q={case.number}").content.decode()
    assert f"/supervision/orders/new/case/{case.pk}/" in found
    assert "cases-none" in supervisor.get("/supervision/orders/new/?q=没有这个人").content.decode()
    url = f"/supervision/orders/new/case/{case.pk}/"
    form = supervisor.get(url).content.decode()
    assert "玄武区卫健委" in form and 'name="addressee_office"' in form
    refused = supervisor.post(url, {"reason": "", "required_response": "请说明原因", "addressee_office": "",
                                    "limit_count": "", "limit_unit": ""})
    text = refused.content.decode()
    assert refused.status_code == 400 and "请说明原因" in text and text.count("field-error") >= 2
    done = supervisor.post(url, {"reason": "医疗救助迟迟未落实", "required_response": "请说明原因并落实",
                                 "addressee_office": world.health_office.pk, "limit_count": "",
                                 "limit_unit": ""})
    order = SupervisionOrder.objects.get(case=case)
    assert done.status_code == 302 and done["Location"] == f"/supervision/orders/{order.pk}/"
    twice = supervisor.post(url, {"reason": "再督办", "required_response": "x",
                                  "addressee_office": world.health_office.pk, "limit_count": "", "limit_unit": ""})
    assert twice.status_code == 409 and order.number in twice.content.decode() and "再督办" in twice.content.decode()
    assert SupervisionOrder.objects.filter(case=case).count() == 1
    # The handler: the home panel, the list of orders to answer, the answer with a document.
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    panel = _panel(handler.get("/").content.decode(), "supervision.orders_addressed")
    waiting = SupervisionOrder.objects.filter(addressee_office=world.health_office, status="open").count()
    assert order.number in panel and f"有 {waiting} 件督办待答复" in panel
    assert order.number in handler.get("/supervision/orders/addressed/").content.decode()
    page = handler.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert 'data-testid="answer"' in page and 'data-testid="review"' not in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    answered = handler.post(f"/supervision/orders/{order.pk}/answer/", {
        "version": order.version, "answer": "已协调医院减免住院费用",
        "documents": [SimpleUploadedFile("减免证明.pdf", PDF, content_type="application/pdf")]})
    assert answered.status_code == 302, answered.content.decode()[:2000]
    order.refresh_from_db()
    assert order.status == OrderStatus.ANSWERED and order.answer == "已协调医院减免住院费用"
    attachment = OrderAttachment.objects.get(order=order)
    shown = supervisor.get(f"/supervision/orders/{order.pk}/attachments/{attachment.pk}/")
    assert shown.status_code == 200 and shown.content == PDF
    assert AccessLog.objects.filter(subject_id=str(order.pk), fields=["attachment"]).count() == 1
    # The supervisor: a send-back without a reason is refused, with one it goes back; then closed.
    missing = supervisor.post(f"/supervision/orders/{order.pk}/review/", {
        "version": order.version, "decision": "send_back", "note": ""})
    assert missing.status_code == 400 and "请写明退回理由" in missing.content.decode()
    back = supervisor.post(f"/supervision/orders/{order.pk}/review/", {
        "version": order.version, "decision": "send_back", "note": "请附医院出具的减免证明原件"})
    assert back.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.sent_back) == (OrderStatus.OPEN, 1)
    handler.post(f"/supervision/orders/{order.pk}/answer/", {"version": order.version, "answer": "已附原件"})
    order.refresh_from_db()
    closed = supervisor.post(f"/supervision/orders/{order.pk}/review/", {
        "version": order.version, "decision": "close", "note": "办理到位"})
    order.refresh_from_db()
    assert closed.status_code == 302 and order.status == OrderStatus.CLOSED
    history = supervisor.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert history.count('data-testid="history-event"') == 5 and "减免证明.pdf" in history


def test_a_stale_answer_is_refused_with_its_text_kept(world, people):  # noqa: F811
    order = _open(people, _case(world), world.health_office)
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    SupervisionOrder.objects.filter(pk=order.pk).update(version=order.version + 1)  # someone else moved it
    stale = handler.post(f"/supervision/orders/{order.pk}/answer/", {"version": order.version,
                                                                      "answer": "我的答复内容"})
    assert stale.status_code == 409 and "我的答复内容" in stale.content.decode()
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_the_list_filters_searches_and_exports_and_another_county_sees_nothing(world, people):  # noqa: F811
    open_one = _open(people, _case(world), world.health_office)
    other = _open(people, _case(world), world.xuanwu_office)
    SupervisionOrder.objects.filter(pk=other.pk).update(status=OrderStatus.CLOSED)
    leader = _client(people[Role.GOVERNMENT_LEADER])
    listing = leader.get("/supervision/orders/").content.decode()
    assert open_one.number in listing and other.number not in listing
    every = leader.get("/supervision/orders/?status=all").content.decode()
    assert open_one.number in every and other.number in every
    by_office = leader.get(f"/supervision/orders/?status=all&addressee={world.xuanwu_office.pk}").content.decode()
    assert other.number in by_office and open_one.number not in by_office
    by_number = leader.get(f"/supervision/orders/?status=all&q={other.number}").content.decode()
    assert other.number in by_number and open_one.number not in by_number
    assert "orders-empty" in leader.get("/supervision/orders/?status=all&matter_kind=duty").content.decode()
    assert "orders-empty" in leader.get("/supervision/orders/?overdue=on").content.decode()
    exported = leader.get("/supervision/orders/export/?status=all")
    assert exported.status_code == 200 and int(exported["X-Export-Rows"]) >= 2
    assert AccessLog.objects.filter(kind="export", subject_type="supervision.order").count() == 1
    outsider = _client(people["gulou_supervisor"])
    assert outsider.get(f"/supervision/orders/{open_one.pk}/").status_code == 404
    assert open_one.number not in outsider.get("/supervision/orders/?status=all").content.decode()


def test_the_order_page_reads_in_english(world, people):  # noqa: F811
    order = _open(people, _case(world), world.health_office)
    handler = _client(people[Role.DEPARTMENT_HANDLER])
    handler.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = handler.get(f"/supervision/orders/{order.pk}/").content.decode()
    assert "Where it stands" in page and "Answer the supervision order" in page and "Pending" in page
    for chinese in ("现在的情况", "答复督办", "待答复", "办理要求"):
        assert chinese not in page, chinese
    listing = handler.get("/supervision/orders/addressed/").content.decode()
    assert order.number in listing and "交本单位办理的督办" not in listing
    supervisor = _client(people[Role.SUPERVISOR])
    supervisor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    every = supervisor.get("/supervision/orders/?status=all").content.decode()
    assert "<h1>Supervision order</h1>" in every and "Issue an order" in every
    for chinese in ("督办编号", "承办单位", "答复期限", "查询", "导出 Excel", "未办结"):
        assert chinese not in every, chinese
    form = supervisor.get(f"/supervision/orders/new/case/{order.case_id}/").content.decode()
    for chinese in ("发出督办", "办理要求", "答复时限", "当前负责单位"):
        assert chinese not in form, chinese


def test_the_pages_read_in_few_queries(world, people, django_assert_max_num_queries):  # noqa: F811
    for _i in range(3):
        _open(people, _case(world), world.health_office)
    order = SupervisionOrder.objects.order_by("-pk").first()
    supervisor, handler = _client(people[Role.SUPERVISOR]), _client(people[Role.DEPARTMENT_HANDLER])
    for client, url, most in ((supervisor, f"/supervision/orders/{order.pk}/", 16),
                              (supervisor, "/supervision/orders/?status=all", 14),
                              (handler, "/supervision/orders/addressed/?status=all", 10)):
        client.get(url)  # the session and the caches warm up
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_the_api_opens_answers_and_closes(world, people):  # noqa: F811
    case = _case(world)
    supervisor, handler = _client(people[Role.SUPERVISOR]), _client(people[Role.DEPARTMENT_HANDLER])
    body = {"subject_type": "cases.case", "subject_id": case.pk, "reason": "救助金未发放",
            "required_response": "说明原因", "addressee_office_id": world.health_office.pk}
    made = supervisor.post("/api/v1/supervision/orders", body, content_type="application/json")
    assert made.status_code == 201, made.content
    order = made.json()
    assert (order["status"], order["matter_key"], order["addressee_office"]) == (
        "open", f"cases.case:{case.pk}", "玄武区卫健委")
    assert [e["kind"] for e in order["history"]] == ["opened"]
    again = supervisor.post("/api/v1/supervision/orders", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "order_open_for_matter"
    addressed = handler.get("/api/v1/supervision/orders/addressed").json()
    assert order["number"] in [o["number"] for o in addressed["items"]]
    assert addressed["count"] == SupervisionOrder.objects.filter(addressee_office=world.health_office,
                                                                 status="open").count()
    stale = handler.post(f"/api/v1/supervision/orders/{order['id']}/answer",
                         {"version": order["version"] + 1, "text": "已办"}, content_type="application/json")
    assert stale.status_code == 409
    answered = handler.post(f"/api/v1/supervision/orders/{order['id']}/answer",
                            {"version": order["version"], "text": "已办"}, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    closed = supervisor.post(f"/api/v1/supervision/orders/{order['id']}/close",
                             {"version": answered.json()["version"], "note": "满意"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listing = supervisor.get(f"/api/v1/supervision/orders?status=all&region_code={XUANWU}").json()
    assert order["number"] in [o["number"] for o in listing["items"]]


def test_the_case_page_shows_its_orders_to_the_supervisor_and_not_to_the_clerk(world, people):  # noqa: F811
    case = _case(world)
    order = _open(people, case, world.health_office)
    supervisor, clerk = _client(people[Role.SUPERVISOR]), _client(people[Role.WINDOW_CLERK])
    assert 'data-testid="case-orders"' not in clerk.get(f"/cases/{case.pk}/").content.decode()
    assert clerk.get(f"/supervision/orders/cases/{case.pk}/panel/").status_code == 403
    panel = supervisor.get(f"/supervision/orders/cases/{case.pk}/panel/").content.decode()
    assert order.number in panel and f"/supervision/orders/new/case/{case.pk}/" in panel
    leader = _client(people[Role.COUNTY_APPROVER])
    shown = leader.get(f"/supervision/orders/cases/{case.pk}/panel/").content.decode()
    assert order.number in shown and 'data-testid="case-order-open"' not in shown
    assert 'data-testid="case-orders"' in leader.get(f"/cases/{case.pk}/").content.decode()


def test_orders_to_answer_are_those_of_the_users_own_office(world, people):  # noqa: F811
    """The department's handler is asked to answer what went to the health office; the county
    approver, whose grant also covers that office, is not (they may still read it), and is asked
    to answer what went to their own civil-affairs office."""
    to_health = _open(people, _case(world), world.health_office)
    to_county = _open(people, _case(world), world.xuanwu_office)
    approver, handler = _client(people[Role.COUNTY_APPROVER]), _client(people[Role.DEPARTMENT_HANDLER])
    mine = approver.get("/supervision/orders/addressed/").content.decode()
    assert to_county.number in mine and to_health.number not in mine
    assert to_county.number in _panel(approver.get("/").content.decode(), "supervision.orders_addressed")
    theirs = handler.get("/supervision/orders/addressed/").content.decode()
    assert to_health.number in theirs and to_county.number not in theirs
    assert approver.get(f"/supervision/orders/{to_health.pk}/").status_code == 200
    api = approver.get("/api/v1/supervision/orders/addressed?status=open").json()
    numbers = {row["number"] for row in (api["items"] if isinstance(api, dict) else api)}
    assert to_county.number in numbers and to_health.number not in numbers

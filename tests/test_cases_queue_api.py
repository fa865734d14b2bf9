"""API of the work queues: GET /api/v1/cases/queue, /cases/overdue, /cases/search (paginated,
scoped, bounded queries)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import path, resolve
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import django_auth

from jijinan.accounts.auth import TokenAuth
from jijinan.api import api as main_api
from jijinan.cases.api import router as cases_router
from jijinan.cases.choices import Stage
from jijinan.cases.models import REPORTER_PHONE_PURPOSE
from jijinan.cases.queues.api import router as queue_router
from jijinan.core.apitools import install_error_handlers
from jijinan.core.protected import crypto
from tests.test_cases_queue import MEIYUAN, NINGHAI, XUANWU, deadline, make_case, staff

# Until src/jijinan/api.py mounts the queue router, these tests serve it from an API of their own
# with the same authentication and error bodies (django-ninja mounts one router on several APIs).
if any(router is queue_router for _, router in main_api._routers):
    URLCONF = "jijinan.urls"
else:
    _api = NinjaAPI(urls_namespace="cases_queue_test", auth=[django_auth, TokenAuth()])
    install_error_handlers(_api)
    # Ahead of the cases router, whose /cases/{case_id} would otherwise take /cases/queue.
    _api.add_router("/", queue_router)
    _api.add_router("/", cases_router)
    urlpatterns = [path("api/v1/", _api.urls)]
    URLCONF = __name__

pytestmark = pytest.mark.urls(URLCONF)


def test_the_queue_paths_are_not_taken_by_the_case_path() -> None:
    for name in ("queue", "overdue", "search"):
        assert resolve(f"/api/v1/cases/{name}", urlconf=URLCONF).url_name in {
            "list_queue", "list_overdue", "search_cases"}


@pytest.fixture
def clerk(jiangsu: None) -> Any:
    return staff("clerk", "window_clerk", MEIYUAN)


def test_queue_lists_my_work_nearest_deadline_first_with_marks(client: Any, clerk: Any) -> None:
    now = timezone.now()
    later = make_case(owner=clerk)
    deadline(later, now + timedelta(days=3))
    late = make_case()
    deadline(late, now - timedelta(hours=2))
    none = make_case(owner=clerk)
    make_case(at=NINGHAI)
    client.force_login(clerk)
    body = client.get("/api/v1/cases/queue?page_size=2").json()
    assert body["count"] == 3 and body["pages"] == 2
    assert [i["number"] for i in body["items"]] == [late.number, later.number]
    first = body["items"][0]
    assert first["overdue"] is True and first["due_today"] is False
    assert first["handling_region_code"] == MEIYUAN and first["owner_id"] is None
    assert body["items"][1]["owner_name"] == "clerk"
    rest = client.get("/api/v1/cases/queue?page_size=2&page=2").json()
    assert [i["number"] for i in rest["items"]] == [none.number] and rest["items"][0]["next_due"] is None


def test_filters_and_refusals_answer_in_the_one_error_body(client: Any, clerk: Any) -> None:
    crisis = make_case(crisis=True)
    make_case()
    client.force_login(clerk)
    body = client.get("/api/v1/cases/queue?crisis=true").json()
    assert [i["number"] for i in body["items"]] == [crisis.number]
    refused = client.get("/api/v1/cases/queue?stage=nowhere")
    assert refused.status_code == 400 and refused.json()["field_errors"] == {"stage": ["没有这个阶段"]}
    assert client.get("/api/v1/cases/queue?scope=area").status_code == 403  # a clerk is no lead
    assert client.get("/api/v1/cases/overdue").status_code == 403
    client.logout()
    assert client.get("/api/v1/cases/queue").status_code == 401


def test_county_overdue_list(client: Any, jiangsu: None) -> None:
    county = staff("county", "county_approver", XUANWU)
    now = timezone.now()
    late = make_case(stage=Stage.REVIEWED)
    deadline(late, now - timedelta(days=1))
    deadline(make_case(), now + timedelta(days=1))
    deadline(make_case(at=NINGHAI), now - timedelta(days=1))
    client.force_login(county)
    body = client.get(f"/api/v1/cases/overdue?region={XUANWU}").json()
    assert [i["number"] for i in body["items"]] == [late.number]


def test_search_by_phone_with_a_token(client: Any, clerk: Any) -> None:
    from jijinan.accounts.services import token_create

    found = make_case(stage=Stage.CLOSED,
                      reporter_phone_index=crypto.blind_index("13812345678", purpose=REPORTER_PHONE_PURPOSE))
    make_case(at=NINGHAI, reporter_phone_index=crypto.blind_index("13812345678", purpose=REPORTER_PHONE_PURPOSE))
    _, secret = token_create(user=clerk, name="测试", days=1)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.post("/api/v1/cases/search", {"phone": "138 1234 5678"}, content_type="application/json",
                       **headers).json()
    assert [i["number"] for i in body["items"]] == [found.number]
    in_url = client.get("/api/v1/cases/search?phone=138%201234%205678", **headers)  # never in a URL
    assert in_url.status_code == 400 and "phone" in in_url.json()["field_errors"]
    empty = client.get("/api/v1/cases/search", **headers)
    assert empty.status_code == 400 and "q" in empty.json()["field_errors"]


@pytest.mark.parametrize("n", [5, 50])
def test_queue_and_overdue_use_a_constant_number_of_queries(client: Any, jiangsu: None, n: int,
                                                            django_assert_max_num_queries: Any) -> None:
    lead = staff("lead", "township_lead", MEIYUAN)
    now = timezone.now()
    for i in range(n):
        deadline(make_case(owner=lead), now - timedelta(hours=i + 1))
    client.force_login(lead)
    with django_assert_max_num_queries(10):
        queue = client.get("/api/v1/cases/queue?page_size=100&urgency=normal").json()
    with django_assert_max_num_queries(10):
        overdue = client.get(f"/api/v1/cases/overdue?page_size=100&region={MEIYUAN}").json()
    assert queue["count"] == overdue["count"] == n

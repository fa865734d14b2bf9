"""The API base: OpenAPI document, error bodies, pagination, health, authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.pagination import paginate
from ninja.testing import TestClient
from openapi_spec_validator import validate

from jijinan.core.apitools import PagePagination, install_error_handlers
from jijinan.core.errors import Conflict, DomainError
from jijinan.core.jobs.queue import Worker
from jijinan.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_openapi_document_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/api/v1/health" in spec["paths"]
    assert spec["info"]["title"].startswith("救急难")


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_health_needs_no_login_and_reports_a_missing_worker(client):
    body = client.get("/api/v1/health").json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["status"] == "degraded"


def test_health_is_ok_with_a_live_worker_and_degraded_with_a_stale_one(client):
    worker = Worker(run_periodic=False)
    worker.heartbeat()
    body = client.get("/api/v1/health").json()
    assert (body["status"], body["worker"]["workers"]) == ("ok", 1)
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    assert client.get("/api/v1/health").json()["status"] == "degraded"


def test_protected_endpoints_answer_401_with_the_error_body(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "请先登录",
                               "field_errors": {}}


def test_error_messages_follow_accept_language(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Please sign in first"


def test_me_for_a_signed_in_user(admin_session):
    body = admin_session.get("/api/v1/me").json()
    assert body["username"] == "administrator"
    assert body["full_name"] == "管理员甲"


# A small API built with the same machinery exercises the error and pagination contract.
class ItemIn(Schema):
    name: str
    amount_fen: int


def _api() -> NinjaAPI:
    api = NinjaAPI(urls_namespace="contract-test")
    install_error_handlers(api)

    @api.post("/items")
    def create(request, payload: ItemIn):  # type: ignore[no-untyped-def]
        if payload.amount_fen < 0:
            raise DomainError.for_field("amount_fen", "金额不能为负")
        if payload.name == "stale":
            raise Conflict("记录已被他人修改，请刷新后重试", code="stale_version")
        return {"ok": True}

    @api.get("/numbers", response=list[int])
    @paginate(PagePagination)
    def numbers(request):  # type: ignore[no-untyped-def]
        return list(range(120))

    return api


@pytest.fixture(scope="module")
def contract_client() -> TestClient:
    return TestClient(_api())


def test_validation_errors_name_the_field_in_chinese(contract_client):
    response = contract_client.post("/items", json={"amount_fen": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field_errors"] == {"name": ["此项为必填项"], "amount_fen": ["请输入整数"]}


def test_domain_errors_keep_their_code_status_and_field(contract_client):
    response = contract_client.post("/items", json={"name": "x", "amount_fen": -1})
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"amount_fen": ["金额不能为负"]}
    response = contract_client.post("/items", json={"name": "stale", "amount_fen": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"


def test_page_pagination(contract_client):
    body = contract_client.get("/numbers?page=3&page_size=50").json()
    assert body["items"] == list(range(100, 120))
    assert (body["count"], body["page"], body["pages"]) == (120, 3, 3)
    assert contract_client.get("/numbers").json()["items"][:2] == [0, 1]


def test_pagination_refuses_an_absurd_page_size(contract_client):
    response = contract_client.get("/numbers?page_size=100000")
    assert response.status_code == 422
    assert "page_size" in response.json()["field_errors"]


def test_operation_ids_are_a_contract():
    """Clients generate code from the OpenAPI operation ids: moving a module must not change
    them. A new operation is added to tests/data/operation_ids.txt; a changed id is a break."""
    from pathlib import Path

    from jijinan.api import api

    schema = api.get_openapi_schema()
    found = sorted(f"{method.upper()} {path} {op['operationId']}"
                   for path, ops in schema["paths"].items() for method, op in ops.items())
    known = (Path(__file__).parent / "data" / "operation_ids.txt").read_text(encoding="utf-8").split("\n")
    known = sorted(line for line in known if line)
    ids = [line.rsplit(" ", 1)[1] for line in found]
    assert len(set(ids)) == len(ids), "two operations share an id"
    assert found == known

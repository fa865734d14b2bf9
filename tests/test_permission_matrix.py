"""Permission tests generated from the matrix, for every endpoint and page.

For each endpoint × role: a persona holding the role in 玄武区 acts on a record in 玄武区 (in
scope) and one in 鼓楼区 (out of scope); a persona holding the role at the province acts too.
The expected answer is derived from the matrix data alone: allowed → success; a wrong role →
403; the right role but a record outside the user's scope → 404 (403 when the record is visible
to them but the action is not theirs there); and after every refusal the database is unchanged.
An endpoint without a matrix entry, or without a case here, fails the suite.

"Unchanged" is proven two ways. Every refused request runs under a recorder of the statements it
sends and must send no INSERT, UPDATE or DELETE to a business table (cheap: no extra query). For
one role per endpoint (the first the matrix refuses) the digest of every row of every table is
compared before and after as well, which would also catch a write the recorder could not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from jijinan.core.models import Job
from jijinan.core.permissions import Role, ScopeKind, matrix, rule_for
from tests.endpoints import all_endpoints
from tests.permission_cases import Case, Data, _fixed, app_cases
from tests.world import (
    PROVINCE,
    XUANWU,
    World,
    business_writes,
    fingerprint,
    persona,
    writes_recorded,
)


def _org_payload(w: World, s: bool) -> dict[str, Any]:
    return {"kind": "relief_station", "name": f"新救助站{'甲' if s else '乙'}",
            "region_code": w.region(s)[:9] + "000"}


# key → Case. The key is "<METHOD or *> /<route>" as tests.endpoints prints it.
CASES: dict[str, Case] = {
    # --- shell, system ---
    "* /": Case("GET", _fixed("/")),
    "* /i18n/setlang/": Case("POST", _fixed("/i18n/setlang/"), lambda w, s: {"language": "en"}),
    "GET /api/v1/health": Case("GET", _fixed("/api/v1/health"), api=True),
    "* /api/v1/openapi.json": Case("GET", _fixed("/api/v1/openapi.json"), api=True),
    "* /api/v1/docs": Case("GET", _fixed("/api/v1/docs")),
    "* /api/v1/": Case("GET", _fixed("/api/v1/")),
    # --- accounts: sign-in and self ---
    "* /accounts/login/": Case("GET", _fixed("/accounts/login/")),
    "* /accounts/logout/": Case("POST", _fixed("/accounts/logout/")),
    "* /accounts/me/": Case("GET", _fixed("/accounts/me/")),
    "* /accounts/me/password/": Case("GET", _fixed("/accounts/me/password/")),
    "* /accounts/me/tokens/": Case("POST", _fixed("/accounts/me/tokens/"),
                                   lambda w, s: {"name": "测试", "days": 30}),
    "GET /api/v1/me": Case("GET", _fixed("/api/v1/me"), api=True),
    "POST /api/v1/me/password": Case("POST", _fixed("/api/v1/me/password"), lambda w, s: {
        "old_password": "correct-horse-battery-9", "new_password": "another-horse-7"}, api=True),
    "GET /api/v1/me/tokens": Case("GET", _fixed("/api/v1/me/tokens"), api=True),
    "POST /api/v1/me/tokens/<token_id>/revoke": Case(
        "POST", lambda w, s: "/api/v1/me/tokens/999999/revoke", api=True, ok=frozenset({404})),
    "* /accounts/me/tokens/<int:token_id>/revoke/": Case(
        "POST", lambda w, s: "/accounts/me/tokens/999999/revoke/", ok=frozenset({404})),
    "POST /api/v1/me/tokens": Case("POST", _fixed("/api/v1/me/tokens"),
                                   lambda w, s: {"name": "测试", "days": 30}, api=True),
    "GET /api/v1/department-types": Case("GET", _fixed("/api/v1/department-types"), api=True),
    "POST /api/v1/department-types": Case("POST", _fixed("/api/v1/department-types"),
                                          lambda w, s: {"code": "red_cross", "name": "红十字会"}, api=True),
    # --- organisations ---
    "* /accounts/organisations/": Case("GET", _fixed("/accounts/organisations/")),
    "* /accounts/organisations/new/": Case("POST", _fixed("/accounts/organisations/new/"), _org_payload,
                                           scoped_body=True, body_refusal=400),
    "* /accounts/organisations/<int:pk>/": Case(
        "GET", lambda w, s: f"/accounts/organisations/{w.office(s).pk}/", scoped_record=True),
    "* /accounts/organisations/<int:pk>/edit/": Case(
        "POST", lambda w, s: f"/accounts/organisations/{w.office(s).pk}/edit/",
        lambda w, s: {"kind": "civil_affairs_office", "name": w.office(s).name + "（改）",
                      "region_code": w.office(s).region.code, "version": 1}, scoped_record=True),
    "GET /api/v1/organisations": Case("GET", _fixed("/api/v1/organisations"), api=True),
    "POST /api/v1/organisations": Case("POST", _fixed("/api/v1/organisations"), _org_payload, api=True,
                                       scoped_body=True),
    "GET /api/v1/organisations/<org_id>": Case(
        "GET", lambda w, s: f"/api/v1/organisations/{w.office(s).pk}", api=True, scoped_record=True),
    "PUT /api/v1/organisations/<org_id>": Case(
        "PUT", lambda w, s: f"/api/v1/organisations/{w.office(s).pk}",
        lambda w, s: {"kind": "civil_affairs_office", "name": w.office(s).name + "（改）",
                      "region_code": w.office(s).region.code, "version": 1},
        api=True, scoped_record=True),
    # --- staff and grants ---
    "* /accounts/staff/": Case("GET", _fixed("/accounts/staff/")),
    "* /accounts/staff/new/": Case("POST", _fixed("/accounts/staff/new/"), lambda w, s: {
        "username": f"new_{int(s)}", "full_name": "新人", "organisation": w.office(s).pk,
        "password": "a-long-pass-12345"}, scoped_body=True, body_refusal=400),
    "* /accounts/staff/<int:pk>/": Case("GET", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/",
                                        scoped_record=True),
    "* /accounts/staff/<int:pk>/edit/": Case(
        "POST", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/edit/",
        lambda w, s: {"full_name": "改名", "title": "", "organisation": w.office(s).pk, "version": 1},
        scoped_record=True),
    "* /accounts/staff/<int:pk>/deactivate/": Case(
        "POST", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/deactivate/",
        lambda w, s: {"reason": "调离", "version": 1, "handover_to": w.extra["colleague"].pk},
        scoped_record=True),
    "* /accounts/staff/<int:pk>/reactivate/": Case(
        "POST", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/reactivate/", lambda w, s: {"version": 1},
        scoped_record=True),
    "* /accounts/staff/<int:pk>/grants/": Case(
        "POST", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/grants/",
        lambda w, s: {"role": "social_worker", "region_code": w.staff(s).organisation.region.code},
        scoped_record=True),
    "* /accounts/grants/<int:pk>/revoke/": Case(
        "POST", lambda w, s: f"/accounts/grants/{w.grant(s).pk}/revoke/", scoped_record=True),
    "GET /api/v1/staff": Case("GET", _fixed("/api/v1/staff"), api=True),
    "POST /api/v1/staff": Case("POST", _fixed("/api/v1/staff"), lambda w, s: {
        "username": f"new_{int(s)}", "full_name": "新人", "organisation_id": w.office(s).pk,
        "password": "a-long-pass-12345"}, api=True, scoped_body=True),
    "GET /api/v1/staff/<user_id>": Case(
        "GET", lambda w, s: f"/api/v1/staff/{w.staff(s).pk}", api=True, scoped_record=True),
    "PUT /api/v1/staff/<user_id>": Case(
        "PUT", lambda w, s: f"/api/v1/staff/{w.staff(s).pk}",
        lambda w, s: {"full_name": "改名", "organisation_id": w.office(s).pk, "version": 1},
        api=True, scoped_record=True),
    "POST /api/v1/staff/<user_id>/deactivate": Case(
        "POST", lambda w, s: f"/api/v1/staff/{w.staff(s).pk}/deactivate",
        lambda w, s: {"reason": "调离", "version": 1, "handover_to": w.extra["colleague"].pk},
        api=True, scoped_record=True),
    "POST /api/v1/staff/<user_id>/grants": Case(
        "POST", lambda w, s: f"/api/v1/staff/{w.staff(s).pk}/grants",
        lambda w, s: {"role": "social_worker", "region_code": w.staff(s).organisation.region.code},
        api=True, scoped_record=True),
    "POST /api/v1/staff/<user_id>/unmask": Case(
        "POST", lambda w, s: f"/api/v1/staff/{w.staff(s).pk}/unmask", lambda w, s: {"purpose": "核实"},
        api=True, scoped_record=True),
    "* /accounts/staff/<int:pk>/unmask/": Case(
        "POST", lambda w, s: f"/accounts/staff/{w.staff(s).pk}/unmask/", scoped_record=True),
    "POST /api/v1/grants/<grant_id>/revoke": Case(
        "POST", lambda w, s: f"/api/v1/grants/{w.grant(s).pk}/revoke", api=True, scoped_record=True),
    # --- regions ---
    "* /regions/": Case("GET", _fixed("/regions/")),
    "* /regions/import/": Case("GET", _fixed("/regions/import/")),
    "* /regions/<str:code>/": Case("GET", lambda w, s: f"/regions/{w.region(s)}/"),
    "* /regions/<str:code>/children/": Case("GET", lambda w, s: f"/regions/{XUANWU}/children/"),
    "* /regions/<str:code>/retire/": Case("POST", lambda w, s: f"/regions/{w.region(s)}/retire/",
                                          lambda w, s: {"valid_to": "2030-01-01"}),
    "GET /api/v1/regions": Case("GET", _fixed("/api/v1/regions"), api=True),
    "GET /api/v1/regions/<code>": Case("GET", lambda w, s: f"/api/v1/regions/{w.region(s)}", api=True),
    "GET /api/v1/regions/<code>/children": Case("GET", lambda w, s: f"/api/v1/regions/{XUANWU}/children",
                                                api=True),
    "POST /api/v1/regions/<code>/retire": Case("POST", lambda w, s: f"/api/v1/regions/{w.region(s)}/retire",
                                               lambda w, s: {"valid_to": "2030-01-01"}, api=True),
}
CASES["POST /api/v1/regions/import"] = Case(
    "POST", _fixed("/api/v1/regions/import"), api=True, multipart=True,
    data=lambda w, s: {"file": SimpleUploadedFile(
        "r.csv", "code,name,level,parent_code\n320102002002,新社区,village,320102002000\n".encode())})

def _csv_upload(text: str) -> Data:
    return lambda w, s: {"file": SimpleUploadedFile("upload.csv", text.encode())}


# The world holds calendar year 2031 (unconfirmed) with one make-up workday, Saturday 2031-02-08.
CASES.update({
    "* /calendar/": Case("GET", _fixed("/calendar/")),
    "* /calendar/compute/": Case("GET", _fixed("/calendar/compute/?start=2024-09-27&count=3&unit=working_days")),
    "* /calendar/import/": Case("POST", _fixed("/calendar/import/"),
                                _csv_upload("date,kind,name\n2031-03-01,workday,调休\n")),
    "* /calendar/seed/": Case("POST", _fixed("/calendar/seed/")),
    "* /calendar/<int:year>/": Case("GET", _fixed("/calendar/2031/")),
    "* /calendar/<int:year>/confirm/": Case("POST", _fixed("/calendar/2031/confirm/"), lambda w, s: {"note": "依据"}),
    "* /calendar/<int:year>/days/add/": Case("POST", _fixed("/calendar/2031/days/add/"), lambda w, s: {
        "date": "2031-02-09", "kind": "workday", "name": "调休"}),
    "* /calendar/days/<str:day>/": Case("GET", _fixed("/calendar/days/2031-02-08/")),
    "* /calendar/days/<str:day>/remove/": Case("POST", _fixed("/calendar/days/2031-02-08/remove/")),
    "GET /api/v1/calendar/years": Case("GET", _fixed("/api/v1/calendar/years"), api=True),
    "GET /api/v1/calendar/years/<year>": Case("GET", _fixed("/api/v1/calendar/years/2031"), api=True),
    "GET /api/v1/calendar/years/<year>/days": Case("GET", _fixed("/api/v1/calendar/years/2031/days"), api=True),
    "POST /api/v1/calendar/years/<year>/confirm": Case(
        "POST", _fixed("/api/v1/calendar/years/2031/confirm"), lambda w, s: {}, api=True),
    "POST /api/v1/calendar/days": Case("POST", _fixed("/api/v1/calendar/days"), lambda w, s: {
        "date": "2031-02-09", "kind": "workday"}, api=True),
    "PUT /api/v1/calendar/days/<day>": Case(
        "PUT", _fixed("/api/v1/calendar/days/2031-02-08"), lambda w, s: {"kind": "workday", "name": "改"}, api=True),
    "DELETE /api/v1/calendar/days/<day>": Case("DELETE", _fixed("/api/v1/calendar/days/2031-02-08"), api=True),
    "POST /api/v1/calendar/import": Case("POST", _fixed("/api/v1/calendar/import"),
                                         _csv_upload("date,kind\n2031-03-01,workday\n"), api=True,
                                         multipart=True),
    "GET /api/v1/calendar/add": Case("GET", _fixed("/api/v1/calendar/add?start=2024-09-27&days=3"), api=True),
    "GET /api/v1/calendar/count": Case("GET", _fixed("/api/v1/calendar/count?start=2024-09-27&end=2024-10-08"),
                                       api=True),
    "GET /api/v1/calendar/deadline": Case(
        "GET", _fixed("/api/v1/calendar/deadline?start=2024-09-27T09:00:00&count=3"), api=True),
})

_SUBJECT = "?subject_type=accounts.organisation&subject_id=1"
CASES.update({
    "* /audit/": Case("GET", _fixed("/audit/")),
    "* /audit/access/": Case("GET", _fixed("/audit/access/")),
    "* /audit/panel/history/": Case("GET", _fixed("/audit/panel/history/" + _SUBJECT)),
    "* /audit/panel/viewers/": Case("GET", _fixed("/audit/panel/viewers/" + _SUBJECT)),
    "GET /api/v1/audit/events": Case("GET", _fixed("/api/v1/audit/events"), api=True),
    "GET /api/v1/audit/access-log": Case("GET", _fixed("/api/v1/audit/access-log"), api=True),
    "GET /api/v1/audit/verify": Case("GET", _fixed("/api/v1/audit/verify"), api=True),
    "* /system/queues/": Case("GET", _fixed("/system/queues/")),
    "* /system/queues/replay/": Case("POST", _fixed("/system/queues/replay/"), lambda w, s: {
        "job": [Job.objects.get(status="dead").pk]}),
})


def _deadline_url(path: str, *, paused: bool = False, api: bool = False) -> Callable[[World, bool], str]:
    """The world's deadline in 玄武区 (in scope) or 鼓楼区 (out of scope), open or paused."""
    def url(w: World, s: bool) -> str:
        from jijinan.core.models import Deadline

        pk = Deadline.objects.get(subject_id=f"{'xw' if s else 'gl'}-{'paused' if paused else 'open'}").pk
        return f"/api/v1/deadlines/{pk}{path}" if api else f"/deadlines/{pk}/{path}"
    return url


CASES.update({
    "* /deadlines/": Case("GET", _fixed("/deadlines/?status=open&overdue=1")),
    "* /deadlines/<int:pk>/": Case("GET", _deadline_url(""), scoped_record=True),
    "* /deadlines/<int:pk>/pause/": Case("POST", _deadline_url("pause/"), lambda w, s: {
        "version": 1, "reason": "公示期收到异议"}, scoped_record=True),
    "* /deadlines/<int:pk>/resume/": Case("POST", _deadline_url("resume/", paused=True),
                                          lambda w, s: {"version": 1}, scoped_record=True),
    "* /deadlines/<int:pk>/extend/": Case("POST", _deadline_url("extend/"), lambda w, s: {
        "version": 1, "extra": 24, "reason": "等待医院出具证明"}, scoped_record=True),
    "* /deadlines/<int:pk>/cancel/": Case("POST", _deadline_url("cancel/"), lambda w, s: {
        "version": 1, "reason": "申请人撤回"}, scoped_record=True),
    "GET /api/v1/deadlines": Case("GET", _fixed("/api/v1/deadlines?subject_type=tests.subject"), api=True),
    "GET /api/v1/deadlines/<deadline_id>": Case("GET", _deadline_url("", api=True), api=True,
                                                scoped_record=True),
    "POST /api/v1/deadlines/<deadline_id>/pause": Case(
        "POST", _deadline_url("/pause", api=True), lambda w, s: {"version": 1, "reason": "异议"},
        api=True, scoped_record=True),
    "POST /api/v1/deadlines/<deadline_id>/resume": Case(
        "POST", _deadline_url("/resume", paused=True, api=True), lambda w, s: {"version": 1},
        api=True, scoped_record=True),
    "POST /api/v1/deadlines/<deadline_id>/extend": Case(
        "POST", _deadline_url("/extend", api=True), lambda w, s: {"version": 1, "extra": 24,
                                                                 "reason": "等待证明"},
        api=True, scoped_record=True),
    "POST /api/v1/deadlines/<deadline_id>/cancel": Case(
        "POST", _deadline_url("/cancel", api=True), lambda w, s: {"version": 1, "reason": "撤回"},
        api=True, scoped_record=True),
})

CASES.update(app_cases())  # each later app keeps its cases in tests/permission_cases/<app>.py

ENDPOINTS = all_endpoints()


def test_every_endpoint_is_in_the_matrix():
    missing = [e.key for e in ENDPOINTS if e.action is None]
    assert missing == [], f"endpoints without @requires(action): {missing}"
    unknown = [(e.key, e.action) for e in ENDPOINTS if e.action not in matrix()]
    assert unknown == [], f"actions missing from the matrix: {unknown}"


def test_every_endpoint_has_a_generated_permission_case():
    keys = {e.key for e in ENDPOINTS}
    assert sorted(keys - set(CASES)) == [], "add a Case for each new endpoint"
    assert sorted(set(CASES) - keys) == [], "cases for endpoints that no longer exist"


def _call(client: Client, case: Case, world: World, in_scope: bool):  # type: ignore[no-untyped-def]
    url = case.url(world, in_scope)
    data = case.data(world, in_scope) if case.data else {}
    if case.method == "GET":
        return client.get(url)
    if case.method == "DELETE":
        return client.delete(url)
    if case.api and not case.multipart:
        return client.generic(case.method, url, json.dumps(data), content_type="application/json")
    return client.post(url, data)  # a form, or a multipart upload


def _expected(action: str, role: str, *, at_province: bool, in_scope: bool, case: Case) -> str:
    """"ok", "403" or "404", from the matrix data alone."""
    rule = rule_for(action)
    view = rule_for(rule.view_action) if rule.view_action else rule

    def permits(r: Any) -> bool:
        if r.scope in {ScopeKind.PUBLIC, ScopeKind.SIGNED_IN}:
            return True
        if role not in r.roles:
            return False
        if r.scope == ScopeKind.ANYWHERE:
            return True
        if r.scope == ScopeKind.PROVINCE:
            return at_province
        return at_province or in_scope

    if permits(rule):
        return "ok"
    if role not in rule.roles:
        return "403"  # a wrong role: refused whatever the record, so nothing is revealed
    if case.scoped_record and not permits(view):
        return "404"  # the right role, but the record lies outside every scope of the user
    return str(case.body_refusal) if case.scoped_body else "403"


def _check(client: Client, case: Case, world: World, *, in_scope: bool, expected: str, label: str,
           full: bool) -> None:
    """One request, rolled back afterwards so that every request starts from the same world.

    A refusal must write no business row; with ``full`` every table's digest must match too."""
    sid = transaction.savepoint()
    try:
        before = fingerprint() if full and expected != "ok" else None
        with writes_recorded() as writes:
            response = _call(client, case, world, in_scope)
            status = response.status_code
            content = b"".join(response.streaming_content) if response.streaming else response.content
        detail = f"{label}: got {status}: {content[:300]!r}"
        if expected == "ok":
            assert status in case.ok, f"expected success; {detail}"
            return
        assert status == int(expected), f"expected {expected}; {detail}"
        if case.api:
            body = response.json()
            assert body["code"] in {"forbidden", "not_found"} and body["message"], detail
        elif status == 403:
            assert "403" in content.decode(), detail
        assert business_writes(writes) == [], f"{label}: a refused request wrote to the database"
        if before is not None:
            assert fingerprint() == before, f"{label}: a refused request changed the database"
    finally:
        transaction.savepoint_rollback(sid)


def _checks(endpoint: Any, role: str) -> list[tuple[str, bool, str]]:
    """(where the persona's grant is, whether the record is in its scope, the expected answer)."""
    case = CASES[endpoint.key]
    scoped = case.scoped_record or case.scoped_body
    return [(at, in_scope, _expected(endpoint.action, role, at_province=at == PROVINCE, in_scope=in_scope,
                                     case=case))
            for at in (XUANWU, PROVINCE) for in_scope in ((True, False) if scoped else (True,))]


def _fingerprint_role(endpoint: Any) -> str | None:
    """The first role the matrix refuses somewhere on ``endpoint``: its refusals are also checked
    against the digest of every table."""
    return next((role for role in Role if any(e != "ok" for _, _, e in _checks(endpoint, role))), None)


@pytest.fixture(scope="module")
def browser() -> Client:
    """One test client for the module: its handler loads the middleware once, not per test; each
    test clears its cookies and signs its own persona in."""
    return Client()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_generated_permissions(endpoint, role, module_world, browser):  # type: ignore[no-untyped-def]
    """One endpoint for one role; the world is shared by the module's tests (each request is
    rolled back), so its records are read as they are, without reloading them."""
    world = module_world
    case = CASES[endpoint.key]
    assert endpoint.action is not None
    full = role == _fingerprint_role(endpoint)
    signed_in_at = None
    for at, in_scope, expected in _checks(endpoint, role):
        if at != signed_in_at:
            browser.cookies.clear()
            browser.force_login(persona(world, role, at=at))
            signed_in_at = at
        label = f"{role} at {at}, {'in' if in_scope else 'out of'} scope"
        _check(browser, case, world, in_scope=in_scope, expected=expected, label=label, full=full)


@pytest.mark.django_db
def test_the_write_recorder_sees_every_kind_of_write(world):  # type: ignore[no-untyped-def]
    """The cheap proof of "nothing changed" is only as good as the recorder: ORM saves, updates,
    deletes, bulk inserts and raw SQL all show, and the bookkeeping tables pass."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from jijinan.accounts.models import Organisation

    sid = transaction.savepoint()
    try:
        with writes_recorded() as writes:
            SessionStore().create()
        assert writes and business_writes(writes) == []
        with writes_recorded() as writes:
            Organisation.objects.filter(pk=world.xuanwu_office.pk).update(name="改")
        assert len(business_writes(writes)) == 1
        with writes_recorded() as writes:
            Job.objects.bulk_create([Job(name="core.purge_finished_jobs")])
            Job.objects.filter(name="core.purge_finished_jobs", status="queued").delete()
        assert len(business_writes(writes)) >= 2
        with writes_recorded() as writes, connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Job._meta.db_table} SET attempts = attempts + 1")  # noqa: S608  (a model's own table)
        assert business_writes(writes) != []
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_signed_out_visitors_are_sent_to_sign_in(endpoint, client, module_world):  # type: ignore[no-untyped-def]
    world = module_world
    case = CASES[endpoint.key]
    assert endpoint.action is not None
    if rule_for(endpoint.action).scope == ScopeKind.PUBLIC:
        return
    with writes_recorded() as writes:
        response = _call(client, case, world, True)
    if case.api:
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert business_writes(writes) == [], "a signed-out request wrote to the database"

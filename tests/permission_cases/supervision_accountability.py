"""Permission cases of accountability records (责任追究): each of the cases module's two cases (玄武区
in scope, 鼓楼区 out of scope) gets a record, seen through its region (the case's handling
township), by supervisors and government leaders only. A new record names its case by number and
picks the responsible office of that district: out of the recorder's scope, the office is no
choice of the page (400) and the case is "not found" for the API (404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from jijinan.supervision.models import AccountabilityRecord
from tests.permission_cases import Case, fixed
from tests.world import World


def extend_world(world: World) -> None:
    records = {}
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        records[in_scope] = AccountabilityRecord.objects.create(
            subject_type="cases.case", subject_id=str(case.pk), case=case, region=case.handling_region,
            failing="late", responsible_office=world.office(in_scope), responsible_person="张三 科长",
            finding="受理后超期未审核", measure="约谈", decided_on=date(2026, 3, 1))
    world.extra["accountability"] = records


def _r(w: World, s: bool) -> Any:
    return w.extra["accountability"][s]


def _body(w: World, s: bool) -> dict[str, Any]:
    return {"failing": "deflection", "responsible_office": w.office(s).pk, "responsible_person": "李四 主任",
            "finding": "多次退回", "measure": "通报批评", "decided_on": "2026-03-02"}


def _new(w: World, s: bool) -> dict[str, Any]:
    return {**_body(w, s), "subject_kind": "case", "subject_number": w.extra["cases"]["case"][s].number}


def _api_body(w: World, s: bool) -> dict[str, Any]:
    body = _body(w, s)
    body["responsible_office_id"] = body.pop("responsible_office")
    return body


CASES: dict[str, Case] = {
    "* /supervision/accountability/": Case("GET", fixed("/supervision/accountability/?failing=late&q=")),
    "* /supervision/accountability/export/": Case("GET", fixed("/supervision/accountability/export/?failing=late")),
    "* /supervision/accountability/new/": Case("POST", fixed("/supervision/accountability/new/"), _new,
                                               scoped_body=True, body_refusal=400),
    "* /supervision/accountability/<int:pk>/": Case(
        "GET", lambda w, s: f"/supervision/accountability/{_r(w, s).pk}/", scoped_record=True),
    "* /supervision/accountability/<int:pk>/edit/": Case(
        "POST", lambda w, s: f"/supervision/accountability/{_r(w, s).pk}/edit/",
        lambda w, s: {**_body(w, s), "version": 1}, scoped_record=True),
    "GET /api/v1/supervision/accountability": Case("GET", fixed("/api/v1/supervision/accountability"), api=True),
    "GET /api/v1/supervision/accountability/<record_id>": Case(
        "GET", lambda w, s: f"/api/v1/supervision/accountability/{_r(w, s).pk}", api=True, scoped_record=True),
    "POST /api/v1/supervision/accountability": Case(
        "POST", fixed("/api/v1/supervision/accountability"),
        lambda w, s: {**_api_body(w, s), "subject_kind": "case", "subject_number": w.extra["cases"]["case"][s].number},
        api=True, scoped_body=True, body_refusal=404),
    "PUT /api/v1/supervision/accountability/<record_id>": Case(
        "PUT", lambda w, s: f"/api/v1/supervision/accountability/{_r(w, s).pk}",
        lambda w, s: {**_api_body(w, s), "version": 1}, api=True, scoped_record=True),
}

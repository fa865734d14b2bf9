"""Permission cases of the exchange app: in 玄武区 (in scope) and 鼓楼区 (out of scope), a batch of
the deaths source (卫健, so the world's health handlers may act on it) awaiting confirmation and
one committed, both made by the services as the system."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.permission_cases import Case, fixed
from tests.world import GULOU, XUANWU, World


def _deaths_file(village: str) -> Path:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
        handle.write(f"姓名,身份证号,死亡日期,死亡原因,区划代码\n测试,,2024-01-01,病,{village}\n".encode())
    return Path(handle.name)


def extend_world(world: World) -> None:
    from jijinan.exchange import services

    batches: dict[str, dict[bool, int]] = {"validated": {}, "committed": {}}
    for in_scope, county, village in ((True, XUANWU, "320102002001"), (False, GULOU, "320106001001")):
        validated = services.batch_upload(actor=None, data=services.UploadInput(
            source="deaths", region_code=county, file_name="deaths.csv", path=_deaths_file(village)), inline=True)
        path = _deaths_file(village)
        committed = services.import_file(actor=None, source_code="deaths", path=path, region_code=county)
        path.unlink()
        assert validated.status == "validated" and committed.status == "committed"
        batches["validated"][in_scope] = validated.pk
        batches["committed"][in_scope] = committed.pk
    world.extra["exchange"] = batches


def _batch(kind: str, path: str, *, api: bool = False):  # type: ignore[no-untyped-def]
    def url(w: World, s: bool) -> str:
        pk = w.extra["exchange"][kind][s]
        return f"/api/v1/imports/{pk}{path}" if api else f"/exchange/batches/{pk}/{path}"
    return url


def _version(kind: str, **extra: Any):  # type: ignore[no-untyped-def]
    def data(w: World, s: bool) -> dict[str, Any]:
        from jijinan.exchange.models import ImportBatch

        return {"version": ImportBatch.objects.get(pk=w.extra["exchange"][kind][s]).version, **extra}
    return data


def _upload(region_field: str):  # type: ignore[no-untyped-def]
    def data(w: World, s: bool) -> dict[str, Any]:
        village = w.region(s)
        return {"source": "deaths", region_field: XUANWU if s else GULOU, "mode": "all_or_nothing",
                "file": SimpleUploadedFile("d.csv", f"姓名,死亡日期,区划代码\n甲,2024-01-01,{village}\n".encode())}
    return data


CASES: dict[str, Case] = {
    "GET /api/v1/imports/sources": Case("GET", fixed("/api/v1/imports/sources"), api=True),
    "GET /api/v1/imports": Case("GET", fixed("/api/v1/imports"), api=True),
    "POST /api/v1/imports": Case("POST", fixed("/api/v1/imports"), _upload("region"), api=True, multipart=True,
                                 scoped_body=True),
    "GET /api/v1/imports/<batch_id>": Case("GET", _batch("validated", "", api=True), api=True,
                                           scoped_record=True),
    "GET /api/v1/imports/<batch_id>/errors": Case("GET", _batch("validated", "/errors", api=True), api=True,
                                                  scoped_record=True),
    "POST /api/v1/imports/<batch_id>/confirm": Case(
        "POST", _batch("validated", "/confirm", api=True), _version("validated"), api=True, scoped_record=True),
    "POST /api/v1/imports/<batch_id>/discard": Case(
        "POST", _batch("validated", "/discard", api=True), _version("validated"), api=True, scoped_record=True),
    "POST /api/v1/imports/<batch_id>/undo": Case(
        "POST", _batch("committed", "/undo", api=True), _version("committed", reason="测试撤销"), api=True,
        scoped_record=True),
    "* /exchange/": Case("GET", fixed("/exchange/")),
    "* /exchange/sources/<str:code>/template/": Case("GET", fixed("/exchange/sources/deaths/template/")),
    "* /exchange/upload/": Case("POST", fixed("/exchange/upload/"), _upload("region_code"), multipart=True,
                                scoped_body=True, body_refusal=400),
    "* /exchange/batches/": Case("GET", fixed("/exchange/batches/")),
    "* /exchange/batches/<int:pk>/": Case("GET", _batch("validated", ""), scoped_record=True),
    "* /exchange/batches/<int:pk>/errors/": Case("GET", _batch("validated", "errors/"), scoped_record=True),
    "* /exchange/batches/<int:pk>/confirm/": Case(
        "POST", _batch("validated", "confirm/"), _version("validated", mode="all_or_nothing"), scoped_record=True),
    "* /exchange/batches/<int:pk>/discard/": Case(
        "POST", _batch("validated", "discard/"), _version("validated"), scoped_record=True),
    "* /exchange/batches/<int:pk>/undo/": Case(
        "POST", _batch("committed", "undo/"), _version("committed", reason="测试撤销", confirm="on"),
        scoped_record=True),
}

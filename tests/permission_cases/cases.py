"""Permission cases of the cases app: intake (page and API), the case page, its timeline and
attachments, and the vocabularies.

The world gains one case in 梅园新村街道 (玄武区, in scope) and one in 宁海路街道 (鼓楼区, out of
scope), each with a PNG attachment, taken up through the intake service by the system.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jijinan.cases.intake.attachments import Upload
from jijinan.cases.intake.services import IntakeInput, case_intake
from jijinan.verification.demo import tiny_png
from tests.permission_cases import Case, fixed
from tests.world import World


def extend_world(world: World) -> None:
    extra: dict[str, dict[bool, Any]] = {"case": {}, "attachment": {}}
    for in_scope in (True, False):
        result = case_intake(actor=None, data=IntakeInput(
            channel="window", handling_region_code=world.region(in_scope),
            event_at=timezone.now() - timedelta(hours=3), categories=["fire"], needs=["food_shelter"],
            description="住房失火", subject_name="无名氏"), attachments=[Upload("scan.png", tiny_png())])
        extra["case"][in_scope] = result.case
        extra["attachment"][in_scope] = result.case.attachments.get()
    world.extra["cases"] = extra


def _case(w: World, s: bool) -> Any:
    return w.extra["cases"]["case"][s]


def _pk(template: str) -> Any:
    return lambda w, s: template.format(pk=_case(w, s).pk, att=w.extra["cases"]["attachment"][s].pk)


def _intake(w: World, s: bool) -> dict[str, Any]:
    return {"channel": "window", "handling_region_code": w.region(s), "subject_mode": "unidentified",
            "subject_name": "路人", "event_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "categories": ["accident"], "needs": ["medical"], "description": "路边摔倒受伤", "urgency": "normal"}


def _intake_api(w: World, s: bool) -> dict[str, Any]:
    return {"channel": "hotline", "handling_region_code": w.region(s), "subject_name": "来电人",
            "event_at": (timezone.now() - timedelta(hours=1)).isoformat(), "categories": ["accident"],
            "needs": ["medical"], "description": "路边摔倒受伤"}


def _png(w: World, s: bool) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("photo.png", tiny_png())}


def _on_call(w: World, s: bool) -> dict[str, Any]:
    now = timezone.localtime()
    return {"county_code": "320102000000" if s else "320106000000", "user": w.staff(s).pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")}


C = "/cases/{pk}/"
A = "/api/v1/cases/{pk}"

CASES: dict[str, Case] = {
    "* /cases/apply/": Case("GET", fixed("/cases/apply/")),
    "* /cases/mine/": Case("GET", fixed("/cases/mine/")),
    "* /cases/on-call/": Case("POST", fixed("/cases/on-call/"), _on_call, scoped_body=True, body_refusal=400),
    "* /cases/new/": Case("POST", fixed("/cases/new/"), _intake, scoped_body=True, body_refusal=400),
    "* /cases/<int:pk>/": Case("GET", _pk(C), scoped_record=True),
    "* /cases/<int:pk>/attachments/": Case("POST", _pk(C + "attachments/"), _png, multipart=True,
                                           scoped_record=True),
    "* /cases/<int:pk>/attachments/<int:attachment_pk>/": Case("GET", _pk(C + "attachments/{att}/"),
                                                               scoped_record=True),
    "POST /api/v1/cases": Case("POST", fixed("/api/v1/cases"), _intake_api, api=True, scoped_body=True),
    "GET /api/v1/cases/<case_id>": Case("GET", _pk(A), api=True, scoped_record=True),
    "GET /api/v1/cases/<case_id>/timeline": Case("GET", _pk(A + "/timeline"), api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/attachments": Case("POST", _pk(A + "/attachments"), _png, api=True,
                                                     multipart=True, scoped_record=True),
    # Identifying the subject: the page opens for township staff; through the API a body choosing
    # nobody is refused as incomplete (400) once the role and scope let the request in.
    "* /cases/<int:pk>/identify-subject/": Case("GET", _pk(C + "identify-subject/"), scoped_record=True),
    "POST /api/v1/cases/<case_id>/identify-subject": Case(
        "POST", _pk(A + "/identify-subject"), lambda w, s: {"version": _case(w, s).version}, api=True,
        scoped_record=True, ok=frozenset({400})),
    "GET /api/v1/case-categories": Case("GET", fixed("/api/v1/case-categories"), api=True),
    "GET /api/v1/need-types": Case("GET", fixed("/api/v1/need-types"), api=True),
}

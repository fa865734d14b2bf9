"""Permission cases of the printed forms (PDF): ask for one, watch it, download it.

The world gains a refused (不予受理) copy of each world case, written directly, and for each one a
refusal notice already made (a small PDF file at the request's path), so that the status page and
the download answer 200 to a permitted user; asking for a notice queues a job (302).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from jijinan.cases.choices import Stage
from jijinan.cases.models import Case as CaseModel
from jijinan.cases.printing import render as printing
from jijinan.cases.printing import services as print_services
from tests.permission_cases import Case
from tests.world import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def extend_world(world: World) -> None:
    refused: dict[bool, Any] = {}
    made: dict[bool, uuid.UUID] = {}
    for in_scope in (True, False):
        case = CaseModel.objects.get(pk=world.extra["cases"]["case"][in_scope].pk)
        case.pk = None
        case.number = case.number + "P"
        case.client_key = ""
        case.stage = Stage.NOT_ACCEPTED
        case.refusal_reason = "不属于救助范围"
        case.closed_at = timezone.now()
        case.save(force_insert=True)
        refused[in_scope] = case
        made[in_scope] = uuid.uuid4()
        path = print_services.print_path(case.pk, printing.REFUSAL, made[in_scope])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PDF)
    world.extra["cases_printing"] = {"refused": refused, "made": made}


def _url(suffix: str | None) -> Any:
    """The refused copy's print URL; with a suffix, of its request already made ("" is the status page)."""
    def url(w: World, s: bool) -> str:
        extra = w.extra["cases_printing"]
        base = f"/cases/{extra['refused'][s].pk}/print/refusal/"
        return base if suffix is None else f"{base}{extra['made'][s]}/{suffix}"
    return url


CASES: dict[str, Case] = {
    "* /cases/<int:pk>/print/<slug:form>/": Case("POST", _url(None), scoped_record=True),
    "* /cases/<int:pk>/print/<slug:form>/<uuid:request_id>/": Case("GET", _url(""), scoped_record=True),
    "* /cases/<int:pk>/print/<slug:form>/<uuid:request_id>/download/": Case("GET", _url("download/"),
                                                                             scoped_record=True),
}

"""Permission cases of the hotline work orders of a case (page and API).

The world gains one case that came through the 12345 hotline in 梅园新村街道 (in scope) and one in
宁海路街道 (out of scope): a hotline operator may link work orders to the hotline's cases, the
township and county staff to any case of their area.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jijinan.cases.models import Case as CaseRow
from jijinan.regions.models import Region
from tests.permission_cases import Case
from tests.world import World


def extend_world(world: World) -> None:
    # Built as rows (a factory), not through intake: the case numbers the other modules count
    # stay as they are.
    hotline: dict[bool, Any] = {}
    for in_scope in (True, False):
        township = Region.objects.get(code=world.region(in_scope)[:9] + "000")
        hotline[in_scope] = CaseRow.objects.create(
            number=f"JJ-WO-{township.code}", channel="hotline_12345", handling_region=township,
            subject_kind="unidentified", subject_name="来电人", event_at=timezone.now() - timedelta(hours=2),
            categories=["fire"], needs=["food_shelter"], description="来电反映住房失火")
    world.extra["cases_work_orders"] = hotline


def _url(template: str) -> Any:
    return lambda w, s: template.format(pk=w.extra["cases_work_orders"][s].pk)


def _body(w: World, s: bool) -> dict[str, Any]:
    return {"version": 1, "kind": "12345", "number": "NJ12345-2026-0001"}


CASES: dict[str, Case] = {
    "* /cases/<int:pk>/work-orders/": Case("POST", _url("/cases/{pk}/work-orders/"), _body, scoped_record=True),
    "POST /api/v1/cases/<case_id>/work-orders": Case("POST", _url("/api/v1/cases/{pk}/work-orders"), _body,
                                                     api=True, scoped_record=True),
}

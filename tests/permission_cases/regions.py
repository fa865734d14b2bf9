"""Permission cases of the export of region search results and of the region picker's search."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /regions/export/": Case("GET", fixed("/regions/export/?q=3201")),
    "* /regions/pick/": Case("GET", fixed("/regions/pick/?name=region&id=id_region&levels=township&region__q=街")),
    "GET /api/v1/regions/export.xlsx": Case("GET", fixed("/api/v1/regions/export.xlsx?q=玄武"), api=True),
}

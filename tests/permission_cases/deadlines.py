"""Permission cases of the export of the deadline list (the world holds deadlines in both districts)."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /deadlines/export/": Case("GET", fixed("/deadlines/export/?status=open")),
    "GET /api/v1/deadlines/export.xlsx": Case("GET", fixed("/api/v1/deadlines/export.xlsx?subject_type=tests.subject"),
                                              api=True),
}

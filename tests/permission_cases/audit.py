"""Permission cases of the audit exports (the audit lists' own cases are in test_permission_matrix)."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /audit/export/": Case("GET", fixed("/audit/export/?action=registry.")),
    "* /audit/access/export/": Case("GET", fixed("/audit/access/export/?kind=export")),
    "GET /api/v1/audit/events/export.xlsx": Case("GET", fixed("/api/v1/audit/events/export.xlsx"), api=True),
    "GET /api/v1/audit/access-log/export.xlsx": Case("GET", fixed("/api/v1/audit/access-log/export.xlsx"),
                                                     api=True),
}

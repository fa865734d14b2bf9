"""Permission cases of the exports of organisations and staff (the lists' own cases are in
test_permission_matrix)."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /accounts/organisations/export/": Case("GET", fixed("/accounts/organisations/export/?q=民政")),
    "* /accounts/staff/export/": Case("GET", fixed("/accounts/staff/export/?show=all")),
    "GET /api/v1/organisations/export.xlsx": Case("GET", fixed("/api/v1/organisations/export.xlsx"), api=True),
    "GET /api/v1/staff/export.xlsx": Case("GET", fixed("/api/v1/staff/export.xlsx"), api=True),
}

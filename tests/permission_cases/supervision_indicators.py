"""Permission cases of the indicators page: figures read for the user's own region (the default),
so no record decides the answer."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /supervision/indicators/": Case("GET", fixed("/supervision/indicators/?period=year")),
    "* /supervision/indicators/export/": Case("GET", fixed("/supervision/indicators/export/?period=month")),
    "GET /api/v1/supervision/indicators": Case("GET", fixed("/api/v1/supervision/indicators"), api=True),
    "GET /api/v1/supervision/indicators/<code>": Case(
        "GET", fixed("/api/v1/supervision/indicators/cases.intakes"), api=True),
}

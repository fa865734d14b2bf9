"""Permission cases of the deadlines board: lists read through the user's scope (the world holds
deadlines in both districts), so no record decides the answer."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /supervision/board/": Case("GET", fixed("/supervision/board/?group=person")),
    "* /supervision/board/export/": Case("GET", fixed("/supervision/board/export/?group=region")),
    "GET /api/v1/supervision/board": Case("GET", fixed("/api/v1/supervision/board?group=kind"), api=True),
    "GET /api/v1/supervision/board/rows": Case("GET", fixed("/api/v1/supervision/board/rows"), api=True),
}

"""Permission cases of the work queues: the pages and the API lists (no record in the URL: the
lists are scoped row by row, which tests/test_cases_queue*.py check)."""

from __future__ import annotations

from jijinan.api import api
from jijinan.cases.queues.api import router as queue_router
from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /cases/queue/": Case("GET", fixed("/cases/queue/?stage=accepted")),
    "* /cases/overdue/": Case("GET", fixed("/cases/overdue/?region=320102000000")),
}
# The API operations exist once src/jijinan/api.py mounts the queue router.
if any(router is queue_router for _, router in api._routers):
    CASES.update({
        "GET /api/v1/cases/queue": Case("GET", fixed("/api/v1/cases/queue?urgency=urgent"), api=True),
        "GET /api/v1/cases/overdue": Case("GET", fixed("/api/v1/cases/overdue?region=320102000000"), api=True),
        "GET /api/v1/cases/search": Case("GET", fixed("/api/v1/cases/search?q=%E7%81%AB%E7%81%BE"), api=True),
        "POST /api/v1/cases/search": Case("POST", fixed("/api/v1/cases/search"), lambda w, s: {
            "phone": "13812345678"}, api=True),
    })

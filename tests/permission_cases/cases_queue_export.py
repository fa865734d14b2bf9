"""Permission case of the work queue's Excel export (a POST carrying the queue's filters; the rows
are scoped one by one, which tests/test_cases_queue_export.py checks)."""

from __future__ import annotations

from tests.permission_cases import Case, fixed

CASES: dict[str, Case] = {
    "* /cases/queue/export/": Case("POST", fixed("/cases/queue/export/"),
                                   lambda w, s: {"scope": "mine", "stage": "accepted"}),
}

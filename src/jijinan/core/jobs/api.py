"""API of the system's state: the health check (the database and the background worker)."""

# No `from __future__ import annotations` here: @requires wraps the operations, and django-ninja
# resolves their annotations in the wrapper's module, so they must be real types at import.

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from jijinan import __version__
from jijinan.core.jobs.selectors import system_health
from jijinan.core.permissions import PUBLIC, requires

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_core_api"

router = Router(tags=["system"])


class DatabaseHealthOut(Schema):
    ok: bool
    vendor: str
    latency_ms: float


class WorkerHealthOut(Schema):
    ok: bool
    workers: int
    last_seen_at: datetime | None
    jobs_queued: int
    jobs_dead: int


class HealthOut(Schema):
    status: str
    version: str
    database: DatabaseHealthOut
    worker: WorkerHealthOut


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut},
            summary="健康检查 / health check")
@requires(PUBLIC)
def health(request: HttpRequest) -> Status:
    """数据库与后台进程状态，无需登录。Database and worker status; no authentication."""
    h = system_health()
    body = HealthOut(
        status=h.status,
        version=__version__,
        database=DatabaseHealthOut(ok=h.database_ok, vendor=h.database_vendor,
                                   latency_ms=h.database_ms),
        worker=WorkerHealthOut(ok=h.worker_ok, workers=h.workers, last_seen_at=h.worker_seen_at,
                               jobs_queued=h.jobs_queued, jobs_dead=h.jobs_dead),
    )
    return Status(200 if h.database_ok else 503, body)

"""Print requests: the page enqueues the rendering of a form with a request id and polls; the
worker (job ``cases.print``) renders it as the case stands then and keeps the file under
``VAR_DIR/private/prints`` outside the web root, at a path made of the case, the form and the
request id, served only through a scoped, logged view. A form that no longer applies when the
worker gets to it leaves an error note beside where the file would have been, so the page can say
why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from jijinan.cases.models import Case
from jijinan.cases.printing.render import FORMS, render_pdf, unavailable_reason
from jijinan.core.errors import Conflict, NotFound
from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.queue import job, job_enqueue
from jijinan.core.models import Job
from jijinan.core.uploads import PRIVATE, write_atomic

PRINT_JOB = "cases.print"
SUBDIR = PRIVATE / "prints"


def print_path(case_pk: int, form: str, request_id: uuid.UUID) -> Path:
    if form not in FORMS:
        raise ValueError(form)
    return Path(settings.VAR_DIR) / SUBDIR / str(int(case_pk)) / f"{form}-{request_id}.pdf"


def _error_path(path: Path) -> Path:
    return path.with_suffix(".error")


def print_request(*, actor: Any, case: Case, form: str) -> uuid.UUID:
    """Queue the rendering of ``form`` for a case the actor may see (the caller checked that);
    refused with the reason when the form does not apply to the case."""
    if form not in FORMS:
        raise NotFound(_("未知的表单"), code="not_found")
    reason = unavailable_reason(case, form)
    if reason:
        raise Conflict(reason, code="not_printable")
    request_id = uuid.uuid4()
    with transaction.atomic():
        job_enqueue(PRINT_JOB, {"case_id": case.pk, "form": form, "request_id": str(request_id),
                                "requested_by": getattr(actor, "pk", None)}, priority=50)
    return request_id


@job(PRINT_JOB, max_attempts=3)
def print_job(payload: dict[str, Any]) -> None:
    """The worker's part: render the form as the case stands now and store the file."""
    case = Case.objects.select_related("handling_region", "person", "household").get(pk=payload["case_id"])
    form = str(payload["form"])
    path = print_path(case.pk, form, uuid.UUID(str(payload["request_id"])))
    reason = unavailable_reason(case, form)
    if reason:  # the case moved on meanwhile: say so instead of trying again
        write_atomic(_error_path(path), reason.encode("utf-8"))
        return
    write_atomic(path, render_pdf(case, form).pdf)


@dataclass(frozen=True)
class PrintStatus:
    state: str  # "ready", "pending" or "failed"
    message: str = ""
    path: Path | None = None


def print_status(*, case: Case, form: str, request_id: uuid.UUID) -> PrintStatus:
    """Where a print request of this case and form stands; 404 for a request never made."""
    if form not in FORMS:
        raise NotFound(_("未知的表单"), code="not_found")
    path = print_path(case.pk, form, request_id)
    if path.exists():
        return PrintStatus("ready", path=path)
    if _error_path(path).exists():
        return PrintStatus("failed", _error_path(path).read_text(encoding="utf-8"))
    queued = (Job.objects.filter(name=PRINT_JOB, payload__request_id=str(request_id), payload__case_id=case.pk,
                                 payload__form=form).values_list("status", flat=True).first())
    if queued is None:
        raise NotFound(_("未找到该打印请求"), code="not_found")
    if queued in (JobStatus.DEAD, JobStatus.DONE):  # done without a file: it was removed
        return PrintStatus("failed", _("生成 PDF 失败，请稍后重试或联系系统管理员"))
    return PrintStatus("pending")

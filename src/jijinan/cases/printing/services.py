"""Print requests: the page enqueues the rendering of a form with a request id and polls; the
worker (job ``cases.print``) renders it as the case stands then and keeps the file under
``VAR_DIR/private/prints`` outside the web root, at a path made of the case, the form and the
request id, served only through a scoped, logged view. A form that no longer applies when the
worker gets to it leaves an error note beside where the file would have been, so the page can say
why. Only the roles that may print a case's forms, in the area that handles it, ask for, watch
or collect one (``cases.case.print``). Files are kept ``JIJINAN_PRINT_RETENTION_DAYS`` days; the
hourly job ``cases.purge_prints`` removes older ones, their error notes and the emptied folders.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.cases.models import Case
from jijinan.cases.printing.permissions import CASE_PRINT
from jijinan.cases.printing.render import FORMS, render_pdf, unavailable_reason
from jijinan.core.errors import Conflict, NotFound
from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.queue import job, job_enqueue, periodic
from jijinan.core.models import Job
from jijinan.core.permissions import require, target_of_region
from jijinan.core.uploads import PRIVATE, write_atomic

logger = logging.getLogger(__name__)

PRINT_JOB = "cases.print"
PURGE_JOB = "cases.purge_prints"
PURGE_EVERY = timedelta(hours=1)
DEFAULT_RETENTION_DAYS = 7
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
    require(actor, CASE_PRINT, target_of_region(case.handling_region))
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
    if queued == JobStatus.DONE:  # made, and removed since by the clean-up
        return PrintStatus("failed", _("该 PDF 已超过保留期限（%(days)s 天）被删除，请重新打印") % {
            "days": retention_days()})
    if queued == JobStatus.DEAD:
        return PrintStatus("failed", _("生成 PDF 失败，请稍后重试或联系系统管理员"))
    return PrintStatus("pending")


# --- retention ---------------------------------------------------------------------------------------
def retention_days() -> int:
    return max(1, int(getattr(settings, "JIJINAN_PRINT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))


@dataclass(frozen=True)
class PurgeResult:
    files: int  # PDF files
    notes: int  # error notes and partial files a stopped worker left
    folders: int


def prints_purge(*, now: datetime | None = None) -> PurgeResult:
    """Remove the print files older than the retention, their error notes, partial files left by a
    worker stopped mid-write, and the case folders this leaves empty. A file's age is the time it
    was last written (its mtime). Logs the counts only: the paths name cases."""
    cutoff = ((now or timezone.now()) - timedelta(days=retention_days())).timestamp()
    root = Path(settings.VAR_DIR) / SUBDIR
    files = notes = folders = 0
    if not root.is_dir():
        return PurgeResult(0, 0, 0)
    with os.scandir(root) as folders_found:
        case_folders = [entry for entry in folders_found if entry.is_dir(follow_symlinks=False)]
    for folder in case_folders:
        with os.scandir(folder.path) as entries:
            for entry in entries:
                if not entry.is_file(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue  # another worker's clean-up came first
                if entry.name.endswith(".pdf") and not entry.name.startswith("."):
                    files += 1
                else:
                    notes += 1
        try:
            # Only when empty. A print job that made this folder an instant ago and loses it before
            # writing fails and is run again by the queue.
            os.rmdir(folder.path)
        except OSError:
            continue
        folders += 1
    if files or notes or folders:
        logger.info("printed forms cleaned up: %s PDF files, %s notes, %s folders removed (kept %s days)",
                    files, notes, folders, retention_days())
    return PurgeResult(files, notes, folders)


@periodic(PURGE_JOB, every=PURGE_EVERY)
def purge_prints(payload: dict[str, Any]) -> None:
    prints_purge()

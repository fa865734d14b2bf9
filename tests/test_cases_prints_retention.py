"""Printed forms after they are made: who may ask for, watch and collect a case's PDF, and the
worker's clean-up that removes them after the retention period."""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from jijinan.audit.models import AccessLog
from jijinan.cases.models import Case
from jijinan.cases.printing import services as print_services
from jijinan.cases.workflow import services as wf
from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.models import PeriodicSchedule
from jijinan.core.jobs.queue import Worker, registered_periodic
from jijinan.core.models import Job
from jijinan.core.permissions import Role
from jijinan.core.uploads import write_atomic
from tests.test_cases_printing import _case, _cjk_font, _fresh, _run_jobs, subject  # noqa: F401  (fixtures)
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.JIJINAN_PRINT_RETENTION_DAYS = 7


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.SUPERVISOR, Role.SOCIAL_WORKER)}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refused(people: dict[str, Any], subject: Any) -> Case:  # noqa: F811
    case = _case(people, subject)
    return wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              reason="不属于救助范围")


def _printed(people: dict[str, Any], case: Case) -> tuple[str, Path]:
    """A refusal notice asked for by the reviewer through the page and made by the worker."""
    status_url = _client(people[Role.TOWNSHIP_REVIEWER]).post(f"/cases/{case.pk}/print/refusal/")["Location"]
    assert _run_jobs() == 1
    request_id = uuid.UUID(status_url.rstrip("/").rsplit("/", 1)[1])
    path = print_services.print_path(case.pk, "refusal", request_id)
    assert path.exists()
    return status_url, path


def _age(path: Path, days: float) -> None:
    when = time.time() - days * DAY
    os.utime(path, (when, when))


# --- who collects a print -------------------------------------------------------------------------
def test_only_those_who_print_the_case_forms_in_its_area_see_a_print(world, people, subject):  # noqa: F811
    case = _refused(people, subject)
    status_url, _path = _printed(people, case)
    download = status_url + "download/"
    jobs, logged = Job.objects.count(), AccessLog.objects.filter(kind="print").count()

    # They read the case, but do not print it: refused with the reason, nothing queued or logged.
    for role in (Role.SUPERVISOR, Role.SOCIAL_WORKER):
        reader = _client(people[role])
        assert reader.get(f"/cases/{case.pk}/").status_code == 200
        for response in (reader.post(f"/cases/{case.pk}/print/refusal/"), reader.get(status_url),
                         reader.get(download)):
            assert response.status_code == 403, (role, response.status_code)
            assert "%PDF" not in response.content.decode(errors="replace")
    # Another township's reviewer does not even learn that the case exists.
    outsider = _client(persona(world, Role.TOWNSHIP_REVIEWER, at=GULOU))
    for response in (outsider.post(f"/cases/{case.pk}/print/refusal/"), outsider.get(status_url),
                     outsider.get(download)):
        assert response.status_code == 404
    assert Job.objects.count() == jobs
    assert AccessLog.objects.filter(kind="print").count() == logged

    # The office's other staff who print forms collect it: the case's forms, not one person's.
    colleague = _client(people[Role.WINDOW_CLERK])
    got = colleague.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.filter(kind="print", actor=people[Role.WINDOW_CLERK]).count() == 1


# --- the clean-up ---------------------------------------------------------------------------------
def test_the_worker_removes_prints_older_than_the_retention(world, people, subject, caplog):  # noqa: F811
    assert print_services.PURGE_JOB in registered_periodic()
    case = _refused(people, subject)
    status_url, old_pdf = _printed(people, case)
    # A second print of the case, made just now (written as the worker writes it).
    recent_id = uuid.uuid4()
    recent_pdf = print_services.print_path(case.pk, "refusal", recent_id)
    write_atomic(recent_pdf, old_pdf.read_bytes())
    recent_url = f"/cases/{case.pk}/print/refusal/{recent_id}/"
    root = old_pdf.parent.parent
    # Another case's folder with only leftovers: an error note and a partial file of a stopped worker.
    other = root / "999999"
    other.mkdir()
    note = other / f"refusal-{uuid.uuid4()}.error"
    note.write_text("没有告知书可打印", encoding="utf-8")
    partial = other / f".approval-{uuid.uuid4()}.pdf.123.abcd1234.part"
    partial.write_bytes(b"%PDF-1.7 half")
    # A third folder whose only file is just within the retention.
    young = root / "999998"
    young.mkdir()
    kept = young / f"receipt-{uuid.uuid4()}.pdf"
    kept.write_bytes(b"%PDF-1.7")
    for path, days in ((old_pdf, 8), (note, 30), (partial, 7.1), (recent_pdf, 0), (kept, 6.9)):
        _age(path, days)

    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    assert reviewer.get(status_url + "download/").status_code == 200  # still there before the run
    with caplog.at_level(logging.INFO, logger="jijinan.cases.printing.services"):
        Worker().tick()  # the scheduler fires the due periodic jobs, the worker runs them
    purge = Job.objects.get(name=print_services.PURGE_JOB)
    assert purge.status == JobStatus.DONE, purge.last_error

    assert not old_pdf.exists() and not note.exists() and not partial.exists() and not other.exists()
    assert recent_pdf.exists() and kept.exists() and young.is_dir() and old_pdf.parent.is_dir()
    messages = [r.getMessage() for r in caplog.records if r.name == "jijinan.cases.printing.services"]
    assert messages == ["printed forms cleaned up: 1 PDF files, 2 notes, 1 folders removed (kept 7 days)"]
    assert case.number not in messages[0] and "prints" not in messages[0]

    # The page says why the file is gone; the one still kept is still collected.
    gone = reviewer.get(status_url).content.decode()
    assert 'data-state="failed"' in gone and "超过保留期限（7 天）" in gone
    assert reviewer.get(status_url + "download/").status_code == 404
    assert reviewer.get(recent_url + "download/").status_code == 200

    # The next run within the hour is not due; when due, the last old file and its folder go.
    assert PeriodicSchedule.objects.get(name=print_services.PURGE_JOB).next_run_at is not None
    _age(recent_pdf, 10)
    Worker().tick()
    assert recent_pdf.exists()
    PeriodicSchedule.objects.filter(name=print_services.PURGE_JOB).update(next_run_at=purge.created_at)
    Worker().tick()
    assert not recent_pdf.exists() and not old_pdf.parent.exists() and kept.exists()


def test_a_missing_prints_folder_is_nothing_to_clean(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "empty"
    assert print_services.prints_purge() == print_services.PurgeResult(0, 0, 0)

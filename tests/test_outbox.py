"""The outbox: written in the business transaction, delivered at least once, in order per subject,
retried with backoff, dead-lettered and replayed; a worker killed mid-batch loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from jijinan.core.errors import DomainError
from jijinan.core.jobs.choices import DeliveryStatus
from jijinan.core.jobs.outbox import (
    MAX_ATTEMPTS,
    delivery_claim,
    outbox_deliver_due,
    outbox_handler,
    outbox_replay,
    outbox_write,
)
from jijinan.core.models import OutboxDelivery, OutboxMessage
from tests.conftest import test_database_url
from tests.outbox_probe import probe  # noqa: F401  (registers the "tests.probe" receiver)

RECEIVED: list[tuple[str, str]] = []
FAIL_TIMES: dict[str, int] = {}


@outbox_handler("tests.recorder", types={"tests.event"})
def recorder(message: OutboxMessage) -> None:
    left = FAIL_TIMES.get(message.subject_id, 0)
    if left:
        FAIL_TIMES[message.subject_id] = left - 1
        raise RuntimeError("receiver down")
    RECEIVED.append((message.subject_id, message.payload["n"]))


@pytest.fixture(autouse=True)
def _reset():
    RECEIVED.clear()
    FAIL_TIMES.clear()


def _write(subject: str, n: int, type: str = "tests.event") -> OutboxMessage:
    return outbox_write(type=type, subject_type="tests.thing", subject_id=subject, payload={"n": n})


@pytest.mark.django_db
def test_an_event_of_a_rolled_back_change_never_leaves():
    with pytest.raises(RuntimeError), transaction.atomic():
        _write("a", 1)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert outbox_deliver_due(worker_id="w") == 0


@pytest.mark.django_db
def test_only_matching_handlers_get_a_delivery():
    message = _write("a", 1)
    assert set(message.deliveries.values_list("handler", flat=True)) == {"tests.recorder"}
    other = _write("a", 2, type="tests.other")
    assert not other.deliveries.exists()


@pytest.mark.django_db
def test_delivery_is_in_order_per_subject_and_retries_hold_later_ones_back():
    for n in range(3):
        _write("a", n)
    _write("b", 0)
    FAIL_TIMES["a"] = 1
    outbox_deliver_due(worker_id="w")
    # a#0 failed and waits for its backoff; a#1 and a#2 wait behind it, b is not held up.
    assert RECEIVED == [("b", 0)]
    OutboxDelivery.objects.update(next_attempt_at=timezone.now())
    outbox_deliver_due(worker_id="w")
    assert RECEIVED == [("b", 0), ("a", 0), ("a", 1), ("a", 2)]
    assert OutboxDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 4


@pytest.mark.django_db
def test_a_dead_letter_does_not_hold_back_later_messages_and_can_be_replayed(admin_session):
    first = _write("a", 0)
    _write("a", 1)
    FAIL_TIMES["a"] = MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        OutboxDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now())
        outbox_deliver_due(worker_id="w", limit=1)
    dead = OutboxDelivery.objects.get(message=first)
    assert dead.status == DeliveryStatus.DEAD and "receiver down" in dead.last_error
    outbox_deliver_due(worker_id="w")
    assert RECEIVED == [("a", 1)]
    # The administrator replays it from the page; it arrives with the same event id.
    page = admin_session.get("/system/queues/")
    assert str(first.event_id) in page.content.decode()
    admin_session.post("/system/queues/replay/", {"delivery": [dead.pk]})
    outbox_deliver_due(worker_id="w")
    assert RECEIVED == [("a", 1), ("a", 0)]


@pytest.mark.django_db
def test_replay_refuses_live_deliveries_and_other_roles(administrator):
    delivery = _write("a", 0).deliveries.get()
    with pytest.raises(DomainError):
        outbox_replay(actor=administrator, delivery_ids=[delivery.pk])
    assert OutboxDelivery.objects.get(pk=delivery.pk).attempts == 0
    from jijinan.accounts.models import User

    clerk = User.objects.create_user(username="c", password="x")
    client = Client()
    client.force_login(clerk)
    assert client.get("/system/queues/").status_code == 403


@pytest.mark.django_db
def test_a_claim_held_by_a_dead_worker_is_taken_up_after_its_lease():
    _write("a", 0)
    claimed = delivery_claim(worker_id="killed")
    assert claimed is not None
    assert delivery_claim(worker_id="other") is None
    later = timezone.now() + timedelta(hours=1)
    again = delivery_claim(worker_id="survivor", now=later)
    assert again is not None and again.pk == claimed.pk and again.attempts == 2


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = ("import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jijinan.settings'); "
            "django.setup(); import tests.outbox_probe; from jijinan.cli import main; "
            "main(['worker', '--poll', '0.05'])")
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=Path(__file__).parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    probe_file = tmp_path / "received.txt"
    events = [outbox_write(type="tests.probe", subject_type="tests.thing", subject_id=f"s{i % 5}",
                           payload={"i": i}) for i in range(40)]
    env = {**os.environ, "DATABASE_URL": test_database_url(), "JIJINAN_TEST_PROBE_FILE": str(probe_file),
           "JIJINAN_TEST_PROBE_DELAY": "0.05", "JIJINAN_JOB_LEASE_SECONDS": "2"}
    first = _worker(env)
    deadline = time.monotonic() + 60
    while len(_lines(probe_file)) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_after = len(_lines(probe_file))
    assert 10 <= killed_after < 40, "the worker was not killed in the middle of the batch"

    second = _worker(env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not OutboxDelivery.objects.filter(handler="tests.probe").exclude(
                    status=DeliveryStatus.DELIVERED).exists():
                break
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    lines = _lines(probe_file)
    received = Counter(event_id for event_id, _subject, _pid in lines)
    assert set(received) == {str(e.event_id) for e in events}  # every message arrived
    assert {pid for *_rest, pid in lines} == {str(first.pid), str(second.pid)}
    # A redelivery carries the same event id; per subject the first arrivals keep their order.
    order = {str(e.event_id): e.pk for e in events}
    for subject in {f"s{i}" for i in range(5)}:
        firsts: list[str] = []
        for event_id, subj, _pid in lines:
            if subj == subject and event_id not in firsts:
                firsts.append(event_id)
        assert [order[e] for e in firsts] == sorted(order[e] for e in firsts)

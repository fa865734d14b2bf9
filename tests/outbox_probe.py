"""A probe receiver for outbox tests, importable by a real worker process started by a test.

It appends ``event_id subject pid`` to the file named by JIJINAN_TEST_PROBE_FILE and sleeps a
little per message, so a test can kill the worker in the middle of a batch.
"""

from __future__ import annotations

import os
import time

from jijinan.core.jobs.outbox import outbox_handler
from jijinan.core.models import OutboxMessage


@outbox_handler("tests.probe", types={"tests.probe"})
def probe(message: OutboxMessage) -> None:
    path = os.environ.get("JIJINAN_TEST_PROBE_FILE")
    if not path:
        return
    time.sleep(float(os.environ.get("JIJINAN_TEST_PROBE_DELAY", "0")))
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{message.event_id} {message.subject_id} {os.getpid()}\n")
        f.flush()
        os.fsync(f.fileno())

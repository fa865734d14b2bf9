"""The sealer: every few seconds, link newly committed audit and access-log rows into their chains."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jijinan.audit.services import audit_seal
from jijinan.core.jobs.queue import periodic

SEAL_EVERY = timedelta(seconds=5)


@periodic("audit.seal", every=SEAL_EVERY)
def seal(payload: dict[str, Any]) -> None:
    audit_seal()

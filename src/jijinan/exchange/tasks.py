"""Background jobs of the exchange app: validating a large uploaded file."""

from __future__ import annotations

from typing import Any

from jijinan.core.jobs.queue import job
from jijinan.exchange.services import batch_validate


@job("exchange.validate_batch", max_attempts=3)
def validate_batch(payload: dict[str, Any]) -> None:
    batch_validate(batch_id=int(payload["batch_id"]))

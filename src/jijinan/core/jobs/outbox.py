"""The transactional outbox: services write events in their transaction; the worker delivers them.

Delivery is at least once, in order per subject and handler as far as retries allow (a
dead-lettered message does not hold back later ones). Each delivery is claimed with a lease, so a
worker killed mid-batch loses nothing: its claims are taken up again when the lease expires, and
a receiver sees the same ``event_id`` again, by which it de-duplicates.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.core.audit_hook import record_audit
from jijinan.core.errors import DomainError
from jijinan.core.jobs.choices import DeliveryStatus
from jijinan.core.jobs.models import OutboxDelivery, OutboxMessage
from jijinan.core.jobs.queue import backoff, register_tick
from jijinan.core.permissions import require

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
Handler = Callable[[OutboxMessage], Any]


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    func: Handler
    types: frozenset[str] | None  # None: every event type


_handlers: dict[str, HandlerSpec] = {}


def outbox_handler(name: str, *, types: Iterable[str] | None = None) -> Callable[[Handler], Handler]:
    """Register ``func(message)`` to receive events (of ``types``, or all) written from now on."""

    def register(func: Handler) -> Handler:
        _handlers[name] = HandlerSpec(name, func, frozenset(types) if types is not None else None)
        return func

    return register


def registered_handlers() -> dict[str, HandlerSpec]:
    return dict(_handlers)


def outbox_write(*, type: str, subject_type: str, subject_id: str, payload: dict[str, Any],
                 schema_version: int = 1) -> OutboxMessage:
    """Write an event inside the caller's transaction: it leaves only if that transaction commits."""
    message = OutboxMessage.objects.create(type=type, subject_type=subject_type,
                                           subject_id=str(subject_id), payload=payload,
                                           schema_version=schema_version)
    OutboxDelivery.objects.bulk_create([
        OutboxDelivery(message=message, handler=h.name)
        for h in _handlers.values() if h.types is None or type in h.types
    ])
    return message


def outbox_message(*, type: str, subject_type: str, subject_id: str, payload: dict[str, Any],
                   schema_version: int = 1) -> OutboxMessage:
    """An event not written yet: pass it to ``outbox_write_many`` with the others of a change."""
    return OutboxMessage(type=type, subject_type=subject_type, subject_id=str(subject_id), payload=payload,
                         schema_version=schema_version)


def outbox_write_many(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Write events built by ``outbox_message`` inside the caller's transaction, in their order, as
    ``outbox_write`` one by one would, in two statements (the messages, then all their deliveries)."""
    if not messages:
        return messages
    OutboxMessage.objects.bulk_create(messages)
    OutboxDelivery.objects.bulk_create([
        OutboxDelivery(message=message, handler=h.name)
        for message in messages
        for h in _handlers.values() if h.types is None or message.type in h.types
    ])
    return messages


def _claimable(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))


def _held_back(delivery: OutboxDelivery) -> bool:
    """An earlier message to the same handler about the same subject is still pending."""
    return OutboxDelivery.objects.filter(
        handler=delivery.handler, status=DeliveryStatus.PENDING,
        message__subject_type=delivery.message.subject_type,
        message__subject_id=delivery.message.subject_id,
        message_id__lt=delivery.message_id,
    ).exists()


def delivery_claim(*, worker_id: str, now: datetime | None = None) -> OutboxDelivery | None:
    now = now or timezone.now()
    lease = timedelta(seconds=settings.JIJINAN_JOB_LEASE_SECONDS)
    candidates = (OutboxDelivery.objects.filter(_claimable(now)).select_related("message")
                  .order_by("message_id", "id")[:50])
    for delivery in candidates:
        if _held_back(delivery):
            continue
        claimed = OutboxDelivery.objects.filter(_claimable(now), pk=delivery.pk).update(
            claimed_by=worker_id, lease_expires_at=now + lease, attempts=F("attempts") + 1)
        if claimed:
            return OutboxDelivery.objects.select_related("message").get(pk=delivery.pk)
    return None


def delivery_run(delivery: OutboxDelivery, *, worker_id: str) -> bool:
    ours = OutboxDelivery.objects.filter(pk=delivery.pk, claimed_by=worker_id,
                                         status=DeliveryStatus.PENDING)
    spec = _handlers.get(delivery.handler)
    if spec is None:
        ours.update(status=DeliveryStatus.DEAD, lease_expires_at=None,
                    last_error=f"no handler {delivery.handler!r} is registered")
        return False
    try:
        spec.func(delivery.message)
    except Exception:
        logger.exception("delivery %s of event %s to %s failed", delivery.pk,
                         delivery.message.event_id, delivery.handler)
        error = traceback.format_exc(limit=20)
        if delivery.attempts >= MAX_ATTEMPTS:
            ours.update(status=DeliveryStatus.DEAD, last_error=error, lease_expires_at=None)
        else:
            ours.update(last_error=error, lease_expires_at=None, claimed_by="",
                        next_attempt_at=timezone.now() + backoff(delivery.attempts))
        return False
    ours.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), lease_expires_at=None)
    return True


def outbox_deliver_due(*, worker_id: str, limit: int = 100) -> int:
    """Deliver due messages until none is left or ``limit``; returns how many were attempted."""
    done = 0
    while done < limit:
        delivery = delivery_claim(worker_id=worker_id)
        if delivery is None:
            break
        delivery_run(delivery, worker_id=worker_id)
        done += 1
    return done


register_tick(outbox_deliver_due)


def outbox_replay(*, actor: Any, delivery_ids: Iterable[int]) -> int:
    """Put dead-lettered deliveries back in the queue (an administrator's decision, audited)."""
    require(actor, "system.outbox.manage")
    ids = list(delivery_ids)
    if not ids:
        raise DomainError.for_field("deliveries", _("请选择要重新投递的消息"))
    with transaction.atomic():
        dead = list(OutboxDelivery.objects.select_for_update().filter(pk__in=ids, status=DeliveryStatus.DEAD))
        if len(dead) != len(set(ids)):
            raise DomainError.for_field("deliveries", _("只能重新投递失败的消息"), code="not_dead")
        OutboxDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(),
            lease_expires_at=None, claimed_by="")
        record_audit(actor=actor, action="system.outbox.replay", subject_type="core.outboxdelivery",
                     subject_id=",".join(str(i) for i in ids), changes={"status": ("dead", "pending")})
    return len(ids)

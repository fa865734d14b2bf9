"""Webhook event types: the outbox messages that other systems (a 12345 hotline, a department's
system) may subscribe to, each registered by the app that writes it, with its meaning and the
payload keys it carries.

Only registered types leave the platform: an integration subscribes by type, and the delivery
sends the listed payload keys (never a protected value in clear). Later capabilities register
theirs the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class WebhookEventType:
    type: str  # the outbox message type, e.g. "cases.case.intake"
    title: str | Promise
    description: str | Promise  # when it is sent
    subject_type: str  # the outbox subject, e.g. "cases.case"
    payload_keys: tuple[str, ...]  # the keys a subscriber receives
    owner: str  # the app that writes it


_types: dict[str, WebhookEventType] = {}


def register_webhook_event(event: WebhookEventType) -> None:
    if event.type in _types and _types[event.type] != event:
        raise ValueError(f"webhook event type {event.type!r} is registered twice")
    _types[event.type] = event


def webhook_event_types() -> list[WebhookEventType]:
    return sorted(_types.values(), key=lambda e: e.type)


def webhook_event_type(type: str) -> WebhookEventType | None:
    return _types.get(type)

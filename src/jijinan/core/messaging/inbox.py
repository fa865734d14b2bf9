"""The in-app inbox: notices to one user, posted by outbox handlers, read and marked read by them.

``inbox_post`` is idempotent per outbox event: a notice already posted to a user for an event is
not posted again, so a handler that runs twice for one event (a worker killed after its commit,
before the delivery was marked) leaves each user one notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jijinan.core.messaging.models import InboxItem
from jijinan.core.permissions import ALL_ROLES, Rule, ScopeKind, ScopePaths, register_actions
from jijinan.core.texts import Stored, render_source

INBOX_VIEW = "inbox.view"
INBOX_PATHS = ScopePaths(owner="user")
TITLE_MAX = 200
BODY_MAX = 1000

register_actions([Rule(INBOX_VIEW, ALL_ROLES, ScopeKind.SIGNED_IN, gettext_lazy("查看本人的站内通知"))])


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    body: str = ""
    url: str = ""
    subject_type: str = ""
    subject_id: str = ""
    texts: dict[str, Any] = field(default_factory=dict)  # title and body as messages (core.texts)

    @classmethod
    def translated(cls, kind: str, title: Stored, body: Stored | str = "", url: str = "", subject_type: str = "",
                   subject_id: str = "") -> Notice:
        """A notice shown in each reader's language: ``title`` (and ``body`` when it is a message)
        are ``core.texts`` messages; their Chinese rendering is kept as the plain title and body."""
        texts: dict[str, Any] = {"title": title}
        if isinstance(body, dict):
            texts["body"] = body
        return cls(kind, render_source(title), render_source(body) if isinstance(body, dict) else body, url,
                   subject_type, subject_id, texts)


def inbox_post(*, user_ids: Iterable[int], notice: Notice, event_id: uuid.UUID | str | None = None) -> int:
    """Post ``notice`` to each user once (per ``event_id``); returns how many notices were new."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    event = uuid.UUID(str(event_id)) if event_id else None
    if event is not None:
        done = set(InboxItem.objects.filter(event_id=event, user_id__in=ids).values_list("user_id", flat=True))
        ids = [i for i in ids if i not in done]
    now = timezone.now()
    InboxItem.objects.bulk_create([
        InboxItem(user_id=i, kind=notice.kind, title=notice.title[:TITLE_MAX], body=notice.body[:BODY_MAX],
                  url=notice.url, subject_type=notice.subject_type, subject_id=str(notice.subject_id),
                  texts=notice.texts, event_id=event, created_at=now)
        for i in ids])
    return len(ids)


def inbox_for_user(*, user: Any, unread: bool = False) -> QuerySet[InboxItem]:
    items = InboxItem.objects.filter(user_id=user.pk)
    return items.filter(read_at__isnull=True) if unread else items


def inbox_unread_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return InboxItem.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def inbox_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all unread ones when ``ids`` is None); others' are untouched."""
    items = InboxItem.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        items = items.filter(pk__in=list(ids))
    return items.update(read_at=timezone.now())


def inbox_item_for_user(*, user: Any, pk: int) -> InboxItem | None:
    return InboxItem.objects.filter(user_id=user.pk, pk=pk).first()

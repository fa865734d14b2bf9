"""API of the inbox: the caller's own notices."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.errors import NotFound
from jijinan.core.messaging.inbox import INBOX_VIEW, inbox_for_user, inbox_item_for_user, inbox_mark_read
from jijinan.core.messaging.models import InboxItem
from jijinan.core.permissions import requires

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_core_inbox_api"

router = Router(tags=["inbox"])


class InboxItemOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    subject_type: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None

    # In the request's language, as the page shows them.
    @staticmethod
    def resolve_title(obj: InboxItem) -> str:
        return obj.title_text

    @staticmethod
    def resolve_body(obj: InboxItem) -> str:
        return obj.body_text


class InboxFilter(Schema):
    unread: bool = Field(False, description="只看未读 / unread only")


class MarkedOut(Schema):
    marked: int


@router.get("/inbox", response=list[InboxItemOut], summary="本人的站内通知 / my inbox")
@requires(INBOX_VIEW)
@paginate(PagePagination)
def inbox_list(request: HttpRequest, filters: Query[InboxFilter]) -> QuerySet[InboxItem]:
    return inbox_for_user(user=request.user, unread=filters.unread)


@router.post("/inbox/{item_id}/read", response={200: MarkedOut, **ERROR_RESPONSES}, summary="标为已读 / mark read")
@requires(INBOX_VIEW)
def inbox_read(request: HttpRequest, item_id: int) -> MarkedOut:
    if inbox_item_for_user(user=request.user, pk=item_id) is None:
        raise NotFound("未找到该通知", code="not_found")
    return MarkedOut(marked=inbox_mark_read(user=request.user, ids=[item_id]))


@router.post("/inbox/read-all", response={200: MarkedOut, **ERROR_RESPONSES}, summary="全部标为已读 / mark all read")
@requires(INBOX_VIEW)
def inbox_read_all(request: HttpRequest) -> MarkedOut:
    return MarkedOut(marked=inbox_mark_read(user=request.user))

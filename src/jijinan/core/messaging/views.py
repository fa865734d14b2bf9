"""The inbox pages: the user's notices, newest first; opening one marks it read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jijinan.core.messaging.inbox import INBOX_VIEW, inbox_for_user, inbox_item_for_user, inbox_mark_read
from jijinan.core.permissions import requires

PAGE_SIZE = 30


@requires(INBOX_VIEW)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    page = Paginator(inbox_for_user(user=request.user, unread=unread), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "unread": unread})


@requires(INBOX_VIEW)
@require_GET
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    item = inbox_item_for_user(user=request.user, pk=pk)
    if item is None:
        raise Http404(_("未找到该通知"))
    inbox_mark_read(user=request.user, ids=[item.pk])
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts=None):
        return redirect(item.url)
    return redirect("inbox:list")


@requires(INBOX_VIEW)
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = inbox_mark_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect("inbox:list")

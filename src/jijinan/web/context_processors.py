"""Values every page of the shell needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from jijinan import __version__
from jijinan.core.messaging.inbox import inbox_unread_count
from jijinan.core.nav import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "jijinan_version": __version__,
        "nav_items": SimpleLazyObject(lambda: nav_for(getattr(request, "user", None), request.path)),
        "inbox_unread": SimpleLazyObject(lambda: inbox_unread_count(user=getattr(request, "user", None))),
    }

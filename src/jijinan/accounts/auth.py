"""API authentication: the browser session, or a personal token in `Authorization: Bearer`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from jijinan.accounts.selectors import token_find
from jijinan.accounts.services import token_touch


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_find(plain=token)
        if found is None:
            return None
        token_touch(token=found)
        request.user = found.user
        return found.user

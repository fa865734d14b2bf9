"""API of accounts: the signed-in user."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema

from jijinan.accounts.models import User
from jijinan.core.apitools import ERROR_RESPONSES

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    is_superuser: bool
    language: str


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="当前用户 / the signed-in user")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert isinstance(user, User)  # the router's auth guarantees a signed-in user
    return MeOut(
        id=user.pk,
        username=user.get_username(),
        full_name=getattr(user, "full_name", ""),
        is_superuser=user.is_superuser,
        language=get_language() or "zh-hans",
    )

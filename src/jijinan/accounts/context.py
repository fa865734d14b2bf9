"""The acting user of a view: the signed-in staff account behind a request."""

from __future__ import annotations

from django.http import HttpRequest

from jijinan.accounts.models import User


def acting_user(request: HttpRequest) -> User:
    """``request.user`` as the account it is. Views reach this only behind ``requires``, which
    has already turned away anonymous callers, so anything else is a programming error."""
    user = request.user
    assert isinstance(user, User)
    return user

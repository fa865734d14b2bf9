"""Writes on accounts."""

from __future__ import annotations

from jijinan.accounts.models import User


def user_ensure_superuser(*, username: str, password: str, full_name: str) -> tuple[User, bool]:
    """Create the administrator account if it does not exist; never resets an existing one."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User.objects.create_superuser(username=username, password=password, email="")
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user, True

"""The open work accounts knows how to hand over when a member of staff leaves."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.accounts.models import User
from jijinan.accounts.services import register_handover
from jijinan.core.models import Deadline


def _open_deadlines(user: User) -> int:
    return Deadline.objects.filter(owner_user=user, met_at__isnull=True, cancelled_at__isnull=True).count()


def _move_deadlines(old: User, new: User) -> int:
    return Deadline.objects.filter(owner_user=old, met_at__isnull=True, cancelled_at__isnull=True).update(
        owner_user=new)


register_handover("core.deadlines", str(_("期限")), _open_deadlines, _move_deadlines)

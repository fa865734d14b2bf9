"""Offices and staff chosen from a list, labelled by name: the choices a form may offer a user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet

from jijinan.accounts.models import Organisation, User
from jijinan.accounts.selectors import grants_covering
from jijinan.core.permissions import ScopePaths, restrict
from jijinan.regions.models import Region

STAFF_IN_AREA_PATHS = ScopePaths(region="organisation__region")
OFFICE_PATHS = ScopePaths(region="region")


def staff_choosable(*, user: Any, action: str, covering: Region | None = None,
                    roles: Iterable[str] = ()) -> QuerySet[User]:
    """Active staff whose organisation lies in the user's area for ``action``, by name; with
    ``covering``, only those holding a grant of one of ``roles`` that covers that region."""
    staff = User.objects.filter(is_active=True, organisation__isnull=False).select_related("organisation")
    if covering is not None:
        staff = staff.filter(pk__in=grants_covering(region=covering, roles=roles).values("user_id"))
    return restrict(staff, user, action, STAFF_IN_AREA_PATHS).order_by("organisation__region__code",
                                                                        "full_name", "username")


def staff_label(member: User) -> str:
    """姓名（机构）: a name, never a login."""
    name = member.full_name or member.get_username()
    return f"{name}（{member.organisation.name}）" if member.organisation is not None else name


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff chosen from a list, labelled 姓名（机构）."""

    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)


def offices_choosable(*, user: Any, action: str, kinds: list[str] | None = None) -> QuerySet[Organisation]:
    """Active organisations in the user's area for ``action``, by region and name."""
    offices = Organisation.objects.filter(active=True).select_related("region")
    if kinds:
        offices = offices.filter(kind__in=kinds)
    return restrict(offices, user, action, OFFICE_PATHS).order_by("region__code", "kind", "name")


def office_label(office: Organisation) -> str:
    return f"{office.name}（{office.region.name}）"

"""Reads of aid: a case's aid records with their payments, one payment of a case the user may see."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jijinan.cases.models import AidPayment, Case, CaseAid
from jijinan.cases.selectors import case_get_for_user
from jijinan.core.errors import NotFound


def case_aid(*, case: Case) -> list[CaseAid]:
    """The aid records of a case with their payments (two queries)."""
    return list(CaseAid.objects.filter(case=case).select_related("given_by").prefetch_related("payments"))


def payment_get_for_user(*, user: Any, case_pk: int, pk: int) -> AidPayment:
    """One payment of a case the user can see (404 otherwise)."""
    case = case_get_for_user(user=user, pk=case_pk)
    found = AidPayment.objects.filter(aid__case=case, pk=pk).select_related(
        "aid", "aid__case", "aid__case__handling_region").first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found

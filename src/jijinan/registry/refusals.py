"""Refused unmasking is logged with the record it aimed at, even when the role check refuses it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from jijinan.audit.services import refusal_record
from jijinan.core.errors import Forbidden
from jijinan.core.permissions import action_of

F = TypeVar("F", bound=Callable[..., Any])


def refusals_recorded_for(subject_type: str, kwarg: str, region_of: Callable[[int], str]) -> Callable[[F], F]:
    """Put above ``@requires``: a 403 leaves a "refused" audit event naming the record
    (``subject_type`` and the id in ``kwarg``) and its region, so the region's supervisors see it."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def recorded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                return view(request, *args, **kwargs)
            except (Forbidden, PermissionDenied) as exc:
                pk = kwargs.get(kwarg)
                reason = str(exc.message) if isinstance(exc, Forbidden) else str(exc)
                refusal_record(actor=request.user, action=action_of(view) or "registry",
                               subject_type=subject_type, subject_id=str(pk or ""),
                               subject_label=f"{request.method} {request.path}"[:200],
                               region_code=region_of(pk) if pk else "", reason=reason)
                raise

        return recorded  # type: ignore[return-value]

    return decorate


def person_region_code(pk: int) -> str:
    from jijinan.registry.models import Person

    return Person.objects.filter(pk=pk).values_list("residence_region__code", flat=True).first() or ""


def household_region_code(pk: int) -> str:
    from jijinan.registry.models import Household

    return Household.objects.filter(pk=pk).values_list("region__code", flat=True).first() or ""

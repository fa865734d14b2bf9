"""Interface glue: a refused audit page or API call is itself recorded as an audit event."""

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


def refusals_recorded(view: F) -> F:
    """Put above ``@requires``: a 403 (no role, or out of scope) leaves a "refused" event."""

    @functools.wraps(view)
    def recorded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except (Forbidden, PermissionDenied) as exc:
            reason = str(exc.message) if isinstance(exc, Forbidden) else str(exc)
            refusal_record(actor=request.user, action=action_of(view) or "audit",
                           subject_label=f"{request.method} {request.get_full_path()}"[:200],
                           reason=reason)
            raise

    return recorded  # type: ignore[return-value]

"""Who and where the current request comes from, for audit rows written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_current: ContextVar[RequestContext] = ContextVar(
    "jijinan_request", default=RequestContext()  # noqa: B039 (frozen, so never mutated)
)


def current_request() -> RequestContext:
    return _current.get()


def set_current_request(context: RequestContext) -> object:
    return _current.set(context)


def reset_current_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]

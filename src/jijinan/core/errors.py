"""Domain errors that services raise and every interface turns into the same error body."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _


class CoreErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    CONFLICT = "conflict"
    SERVER_ERROR = "server_error"


class DomainError(Exception):
    """A refused action: ``code`` for programs, ``message`` (translatable) for people.

    ``field_errors`` maps a field name to its messages so forms and API clients can point at
    the field. ``status`` is the HTTP status an interface should answer with.
    """

    status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str = CoreErrorCode.VALIDATION,
        field_errors: dict[str, list[str]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = str(code)
        self.field_errors = field_errors or {}
        if status is not None:
            self.status = status

    @classmethod
    def for_field(cls, field: str, message: str | Promise, *, code: str = CoreErrorCode.VALIDATION
                  ) -> DomainError:
        return cls(message, code=code, field_errors={field: [str(message)]})


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """A stale version or a concurrent change: refused, nothing written."""

    status = 409


STALE_VERSION = "stale_version"


def expected_version(value: Any) -> int:
    """The version of a record the client says it edited (optimistic locking): an integer, else the
    request is refused at the ``version`` field."""
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError.for_field("version", _("请提供版本号（version）"), code=STALE_VERSION) from None


def stale_version(message: str | Promise) -> Conflict:
    """The refusal of an edit made on an older version of the record than the one stored."""
    return Conflict(message, code=STALE_VERSION, field_errors={"version": [_("版本已过期")]})


@dataclass(frozen=True)
class RowError:
    """One bad cell of an imported file: 1-based row (the header is row 1), column, reason."""

    row: int
    column: str
    reason: str


class RowErrors(DomainError):
    """A file rejected as a whole: nothing was saved; ``rows`` says what to fix, cell by cell."""

    def __init__(self, rows: list[RowError], *, code: str = "invalid_file") -> None:
        field_errors: dict[str, list[str]] = {}
        for e in rows:
            field_errors.setdefault(f"rows[{e.row}].{e.column}", []).append(e.reason)
        super().__init__(
            _("文件有 %(n)s 处错误，未导入任何数据") % {"n": len(rows)},
            code=code, field_errors=field_errors,
        )
        self.rows = rows

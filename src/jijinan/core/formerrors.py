"""How a page shows a service's refusal: on the form's fields, or as a message on a redirect.

A refusal of the user's rights (403) or a record outside their scope (404) is not a form error:
it goes on to its error page, so a page never shows "you may not" as if it were bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from jijinan.core.errors import DomainError


def apply_errors(form: Any, exc: DomainError, *, aliases: Mapping[str, str] | None = None,
                 rename: Callable[[str], str] | None = None) -> None:
    """Put ``exc`` on ``form``: each message on the field it names (after ``aliases`` or
    ``rename``) when the form has it, else on the form as a whole."""
    if exc.status in (403, 404):
        raise exc
    if not exc.field_errors:
        form.add_error(None, str(exc.message))
    for name, errors in exc.field_errors.items():
        target = rename(name) if rename else (aliases or {}).get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)


def flash_errors(request: HttpRequest, exc: DomainError) -> None:
    """Show ``exc`` as one message on the next page (after a redirect)."""
    if exc.status in (403, 404):
        raise exc
    text = "；".join(e for errors in exc.field_errors.values() for e in errors) or str(exc.message)
    messages.error(request, text)


def form_status(form: Any) -> int:
    """400 for a page that shows a form with errors, 200 otherwise."""
    return 400 if form.errors else 200

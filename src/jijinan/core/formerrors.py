"""How a page shows a service's refusal: on the form's fields, or as a message on a redirect.

``apply_errors`` leaves a refusal of the user's rights (403) or a record outside their scope (404)
to its error page; a form that would lose what was typed uses ``refusal_on_form`` instead, which
says the refusal on the form (beside the input it is about) and keeps every input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

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


def refusal_on_form(form: Any, exc: DomainError, *, field: str | None = None,
                    aliases: Mapping[str, str] | None = None, rename: Callable[[str], str] | None = None,
                    version: int | None = None) -> int:
    """Put any refusal on ``form`` so the page is shown again with everything typed kept, and
    return the status to answer with (400; 409 for a conflict: the page itself is the answer,
    not an error page).

    A refusal of the user's rights or a record outside their scope goes beside ``field`` (the
    input that led to it, e.g. the township chosen) or on the form as a whole. A stale version is
    said at the top, and the form takes the record's current ``version``, so that sending it
    again, after a look at what changed, is the user's decision."""
    if exc.status in (403, 404) and not exc.field_errors:
        target = field if field is not None and field in form.fields else None
        form.add_error(target, str(exc.message))
        return 400
    errors = dict(exc.field_errors)
    if exc.status == 409 and "version" in errors:
        del errors["version"]
        form.add_error(None, str(exc.message))
        form.add_error(None, _("您填写的内容已保留：请查看最新情况，确认后再提交"))
        if version is not None and form.is_bound:
            data = form.data.copy()
            data[form.add_prefix("version")] = str(version)
            form.data = data
        if not errors:
            return 409
    apply_errors(form, DomainError(exc.message, code=exc.code, field_errors=errors), aliases=aliases, rename=rename)
    return 409 if exc.status == 409 else 400

"""Password rule beyond Django's own: letters and digits both."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jijinan.accounts.errors import AccountErrorCode as E


class LettersAndDigitsValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError(_("密码须同时包含字母和数字"), code=E.PASSWORD_LETTERS_DIGITS)

    def get_help_text(self) -> str:
        return _("密码须同时包含字母和数字")

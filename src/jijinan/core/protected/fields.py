"""Model fields for protected data: ``EncryptedTextField`` and the ``Protected`` value it loads.

Use it beside a blind-index column that services fill::

    id_number = EncryptedTextField(purpose="person.id_number", mask="id_number", null=True)
    id_number_index = models.CharField(max_length=64, db_index=True, blank=True)

Reading gives a ``Protected`` value that prints masked (``str``, ``repr``, templates, logs) and
yields the plaintext only through ``.reveal()``, so the one place that unmasks — and must write
the access-log row — is easy to find. Assigning a plain ``str`` encrypts it on save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from jijinan.core.protected import crypto
from jijinan.core.protected.ids import mask_bank_account, mask_id_number, mask_phone


def mask_all(value: str) -> str:
    """Hide everything, including the length."""
    return "********"


# Masks are named rather than passed as functions so that a migration records a plain string.
MASKS: dict[str, Callable[[str], str]] = {
    "all": mask_all,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
}


class Protected:
    """An encrypted value as loaded from the database; decrypts only on demand."""

    __slots__ = ("envelope", "mask", "purpose")

    def __init__(self, envelope: str, *, purpose: str, mask: str = "all") -> None:
        self.envelope = envelope
        self.purpose = purpose
        self.mask = mask

    def reveal(self) -> str:
        """The plaintext. Callers showing it to a person record that in the access log."""
        return crypto.decrypt(self.envelope, purpose=self.purpose)

    # Templates call attributes without arguments; this keeps `{{ x.reveal }}` from unmasking
    # anything without the view (and its access-log row) knowing.
    reveal.alters_data = True  # type: ignore[attr-defined]

    @property
    def masked(self) -> str:
        if self.mask == "all":
            return mask_all("")  # nothing of the value is shown, so nothing is decrypted
        return MASKS[self.mask](self.reveal())

    @property
    def key_id(self) -> str:
        return crypto.key_id_of(self.envelope)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        # repr ends up in logs and tracebacks: it must neither leak nor raise.
        try:
            shown = self.masked
        except Exception:
            shown = "(undecryptable)"
        return f"<Protected {self.purpose}: {shown}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Protected):
            return NotImplemented
        return (self.envelope, self.purpose) == (other.envelope, other.purpose)

    def __hash__(self) -> int:
        return hash((self.envelope, self.purpose))


class EncryptedTextField(models.TextField):
    """A text column holding an envelope sealed for ``purpose``.

    Not editable by default: a model form would show the masked value and save it back over the
    real one; services validate the input (``validate_id_number`` …) and assign the plaintext.
    Only ``isnull`` lookups exist: a ciphertext is different on every write, so exact search
    goes through the blind-index column.
    """

    description = "Encrypted text"

    def __init__(self, *args: Any, purpose: str, mask: str = "all", **kwargs: Any) -> None:
        crypto._check_purpose(purpose)
        if mask not in MASKS:
            raise ValueError(f"mask must be one of {sorted(MASKS)}")
        self.purpose = purpose
        self.mask = mask
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        if self.mask != "all":
            kwargs["mask"] = self.mask
        # Field.deconstruct records editable=False as a change from its default; ours is False.
        if kwargs.pop("editable", True):
            kwargs["editable"] = True
        return name, path, args, kwargs

    def _wrap(self, envelope: str) -> Protected:
        return Protected(envelope, purpose=self.purpose, mask=self.mask)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Protected | None:
        return None if value is None else self._wrap(value)

    def to_python(self, value: Any) -> Any:
        """A ``Protected`` stays one; an envelope string (``loaddata`` of a dump) becomes one;
        any other string is plaintext, encrypted when saved."""
        if value is None or isinstance(value, Protected):
            return value
        value = str(value)
        return self._wrap(value) if crypto.is_envelope(value) else value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Protected):
            if value.purpose == self.purpose:
                return value.envelope  # unchanged: saving a row must not re-encrypt its values
            # Copied from another column: re-seal, since the old envelope is bound to its purpose.
            return crypto.encrypt(value.reveal(), purpose=self.purpose)
        return crypto.encrypt(str(value), purpose=self.purpose)

    def value_to_string(self, obj: models.Model) -> str:
        # dumpdata writes envelopes, never plaintext (serializers pass None through themselves).
        return self.get_prep_value(self.value_from_object(obj)) or ""

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> Any:
        return None

"""Field encryption in a versioned AES-256-GCM envelope with rotatable keys, and keyed blind indexes.

An envelope is ``v1.<key id>.<nonce>.<ciphertext and tag>`` (base64url without padding): the key
id says which key of ``settings.JIJINAN_FIELD_KEYS`` decrypts it, so keys can rotate while old
rows stay readable. The associated data binds it to a *purpose* (``"person.id_number"``): an
envelope copied into another column does not decrypt there. Exact search goes through
``blind_index``, an HMAC under a separate key, never through the ciphertext; search by the end of
a number (the last 6 characters of an ID number, the last 4 digits of a phone) goes through
``partial_index``, an HMAC under a key derived from that one for this use alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12  # the GCM standard nonce; random per encryption
TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PURPOSE = re.compile(r"[a-z0-9_]+(?:[.:][a-z0-9_]+)*")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class CryptoErrorCode(StrEnum):
    UNKNOWN_KEY_ID = "unknown_key_id"
    DECRYPT_FAILED = "decrypt_failed"


class DecryptError(DomainError):
    """An envelope that cannot be opened: the server's fault or tampering, never the user's.

    ``detail`` is for the operators' log; like the message it never holds plaintext.
    """

    status = 500

    def __init__(self, message: str | Promise, *, code: CryptoErrorCode, detail: str) -> None:
        super().__init__(message, code=code)
        self.detail = detail


@dataclass(frozen=True)
class _KeyRing:
    ciphers: dict[str, AESGCM]
    active_key_id: str
    blind_index_key: bytes
    partial_index_key: bytes


_cached: tuple[object, _KeyRing] | None = None


def generate_key() -> str:
    """A fresh random 256-bit key, base64-encoded, for the settings or a dev key file."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode_key(text: object, *, name: str) -> bytes:
    if not isinstance(text, str):
        raise ImproperlyConfigured(f"{name} must be a base64 string")
    try:
        # Accept the URL-safe alphabet too: keys pasted from other tools often use it.
        key = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def _keyring() -> _KeyRing:
    """The keys from settings, decoded once per distinct configuration.

    The cache is keyed on the settings' values rather than cleared by a signal, so tests'
    ``override_settings`` and plain assignments (the bench) both take effect at once.
    """
    global _cached
    keys = getattr(settings, "JIJINAN_FIELD_KEYS", None)
    active = getattr(settings, "JIJINAN_ACTIVE_FIELD_KEY", None)
    blind = getattr(settings, "JIJINAN_BLIND_INDEX_KEY", None)
    if not isinstance(keys, dict) or not keys:
        raise ImproperlyConfigured("JIJINAN_FIELD_KEYS must map key ids to base64 32-byte keys")
    marker = (tuple(sorted(keys.items())), active, blind)
    if _cached is not None and _cached[0] == marker:
        return _cached[1]
    ciphers: dict[str, AESGCM] = {}
    raw_keys = set()
    for key_id, text in keys.items():
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(f"field key id {key_id!r} must match {_KEY_ID.pattern}")
        raw = _decode_key(text, name=f"JIJINAN_FIELD_KEYS[{key_id!r}]")
        raw_keys.add(raw)
        ciphers[key_id] = AESGCM(raw)
    if active not in ciphers:
        raise ImproperlyConfigured(f"JIJINAN_ACTIVE_FIELD_KEY {active!r} is not in JIJINAN_FIELD_KEYS")
    blind_key = _decode_key(blind, name="JIJINAN_BLIND_INDEX_KEY")
    if blind_key in raw_keys:
        # One key for two algorithms would tie the index's secrecy to the encryption key's.
        raise ImproperlyConfigured("JIJINAN_BLIND_INDEX_KEY must differ from every field key")
    # Derived, not configured: one more secret to keep would add nothing, and a digest under this
    # key cannot be compared with a full-value digest even where the two inputs coincide.
    partial_key = hmac.new(blind_key, b"jijinan-partial-index|v1", hashlib.sha256).digest()
    ring = _KeyRing(ciphers=ciphers, active_key_id=str(active), blind_index_key=blind_key,
                    partial_index_key=partial_key)
    _cached = (marker, ring)
    return ring


def _check_purpose(purpose: str) -> bytes:
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError(f"purpose {purpose!r} must look like 'person.id_number'")
    return purpose.encode("ascii")


def _aad(key_id: str, purpose: str) -> bytes:
    return f"jijinan-field|{VERSION}|{key_id}|{purpose}".encode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    if not _B64URL.fullmatch(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        return None
    # The last character may carry unused bits; insisting on the one canonical spelling means
    # that changing any character of an envelope is refused, not quietly decoded to the same bytes.
    return data if _b64(data) == text else None


def _malformed(detail: str) -> DecryptError:
    return DecryptError(_("受保护数据无法解密：数据已损坏或不属于此字段"),
                        code=CryptoErrorCode.DECRYPT_FAILED, detail=detail)


def _parse(envelope: str) -> tuple[str, bytes, bytes]:
    parts = envelope.split(".") if isinstance(envelope, str) else []
    if len(parts) != 4 or parts[0] != VERSION or not _KEY_ID.fullmatch(parts[1]):
        raise _malformed("not a v1 envelope")
    nonce, sealed = _unb64(parts[2]), _unb64(parts[3])
    if nonce is None or len(nonce) != NONCE_BYTES or sealed is None or len(sealed) < TAG_BYTES:
        raise _malformed("bad nonce or ciphertext encoding")
    return parts[1], nonce, sealed


def is_envelope(value: object) -> bool:
    """Whether ``value`` is shaped like an envelope (says nothing about whether it decrypts)."""
    try:
        _parse(value)  # type: ignore[arg-type]
    except DecryptError:
        return False
    return True


def encrypt(plaintext: str, *, purpose: str) -> str:
    """Seal ``plaintext`` under the active key, bound to ``purpose``."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes a str")
    _check_purpose(purpose)
    ring = _keyring()
    key_id = ring.active_key_id
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = ring.ciphers[key_id].encrypt(nonce, plaintext.encode("utf-8"), _aad(key_id, purpose))
    return f"{VERSION}.{key_id}.{_b64(nonce)}.{_b64(sealed)}"


def decrypt(envelope: str, *, purpose: str) -> str:
    """Open an envelope sealed for ``purpose``; raises ``DecryptError`` for anything else."""
    _check_purpose(purpose)
    key_id, nonce, sealed = _parse(envelope)
    cipher = _keyring().ciphers.get(key_id)
    if cipher is None:
        raise DecryptError(_("受保护数据使用的密钥不存在，无法解密"),
                           code=CryptoErrorCode.UNKNOWN_KEY_ID, detail=f"key id {key_id!r} is not configured")
    try:
        plaintext = cipher.decrypt(nonce, sealed, _aad(key_id, purpose))
    except InvalidTag:
        raise _malformed(f"authentication failed (key {key_id!r}, purpose {purpose!r})") from None
    return plaintext.decode("utf-8")


def key_id_of(envelope: str) -> str:
    """The id of the key that sealed ``envelope``."""
    return _parse(envelope)[0]


def active_key_id() -> str:
    """The key id new encryptions use."""
    return _keyring().active_key_id


def needs_rotation(envelope: str) -> bool:
    """Whether ``envelope`` was sealed under a key other than the active one."""
    return key_id_of(envelope) != _keyring().active_key_id


def rotate(envelope: str, *, purpose: str) -> str:
    """The envelope re-sealed under the active key (unchanged when it already is)."""
    if not needs_rotation(envelope):
        return envelope
    return encrypt(decrypt(envelope, purpose=purpose), purpose=purpose)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic 64-hex-digit digest of ``value`` for exact search.

    Pass the canonical form (``canonical_id_number``, ``normalise_phone``): equal inputs must
    give equal indexes. The purpose is hashed in, so the same number indexed for two columns
    gives two unrelated values and rows cannot be joined across them by index alone.
    """
    if not isinstance(value, str):
        raise TypeError("blind_index() takes a str")
    # A NUL cannot occur in a purpose, so purpose and value cannot be shifted into each other.
    message = _check_purpose(purpose) + b"\x00" + value.encode("utf-8")
    return hmac.new(_keyring().blind_index_key, message, hashlib.sha256).hexdigest()


def partial_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic 64-hex-digit digest of the end of a number, for partial search.

    Like ``blind_index`` but under its own key derived from the blind-index key, so a partial
    digest never equals a full-value one. The input has little entropy (10,000 phone endings):
    the key is what keeps the digests from being reversed, and the searches they serve are
    always limited to the user's area and written to the access log.
    """
    if not isinstance(value, str):
        raise TypeError("partial_index() takes a str")
    message = _check_purpose(purpose) + b"\x00" + value.encode("utf-8")
    return hmac.new(_keyring().partial_index_key, message, hashlib.sha256).hexdigest()

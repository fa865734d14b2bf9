"""Authorisation documents: a scan (PDF, JPEG or PNG by its content) or an on-screen signature (a
PNG), kept under ``settings.VAR_DIR / "private" / "verification"`` by :mod:`jijinan.core.uploads`
and read back only through a scoped view that logs the access."""

from __future__ import annotations

import base64
import binascii
import re

from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError
from jijinan.core.uploads import (
    CheckedFile,
    FileKind,
    PrivateFiles,
    Refusal,
    UploadRefused,
    check_content,
)
from jijinan.verification.errors import VerificationErrorCode as E

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a scanned page or two
MAX_SIGNATURE_BYTES = 512 * 1024  # a canvas of a few hundred pixels
_DATA_URL = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")

FILES = PrivateFiles("verification/authorisations", bad_location_code=E.BAD_DOCUMENT)
SUBDIR = FILES.subdir
read, removed_on_failure = FILES.read, FILES.removed_on_failure
Document = CheckedFile  # content, kind, name


def _too_large(field: str) -> DomainError:
    return DomainError.for_field(field, _("文件过大：不能超过 %(mb)s MB") % {
        "mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}, code=E.DOCUMENT_TOO_LARGE)


def check_size(size: int, *, field: str = "document") -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise _too_large(field)


def _refused(refused: UploadRefused, field: str) -> DomainError:
    if refused.refusal == Refusal.TOO_LARGE:
        return _too_large(field)
    if refused.refusal == Refusal.EMPTY:
        message = _("请上传授权书文件")
    elif refused.refusal == Refusal.NOT_RECOGNISED:
        message = _("文件内容不是 PDF、JPEG 或 PNG，请上传授权书的扫描件")
    elif refused.refusal == Refusal.UNKNOWN_EXTENSION:
        message = _("文件扩展名只能是 .pdf、.jpg、.jpeg 或 .png")
    else:
        message = _("文件名与内容不符：名为 .%(ext)s，实际是 %(kind)s 文件") % {
            "ext": refused.extension, "kind": refused.kind_label}
    return DomainError.for_field(field, message, code=E.BAD_DOCUMENT)


def check_upload(content: bytes, name: str, *, field: str = "document") -> Document:
    """A scanned authorisation: PDF, JPEG or PNG by its content, and a name that does not claim
    another kind (a PNG called .pdf, or a program called .pdf, is refused)."""
    try:
        kind = check_content(content, name, max_bytes=MAX_DOCUMENT_BYTES)
    except UploadRefused as refused:
        raise _refused(refused, field) from None
    return Document(content, kind, name[-200:])


def check_signature(data_url: str, *, field: str = "signature") -> Document:
    """An on-screen signature: a PNG data URL from the signature pad."""
    match = _DATA_URL.fullmatch((data_url or "").strip())
    if match is None:
        raise DomainError.for_field(field, _("请在签名框内签名"), code=E.BAD_DOCUMENT)
    try:
        content = base64.b64decode(re.sub(r"\s+", "", match.group(1)), validate=True)
    except (binascii.Error, ValueError):
        raise DomainError.for_field(field, _("签名数据无法识别，请重新签名"), code=E.BAD_DOCUMENT) from None
    try:
        check_content(content, "", max_bytes=MAX_SIGNATURE_BYTES, kinds={FileKind.PNG})
    except UploadRefused as refused:
        if refused.refusal == Refusal.TOO_LARGE:
            raise DomainError.for_field(field, _("签名图片过大"), code=E.DOCUMENT_TOO_LARGE) from None
        raise DomainError.for_field(field, _("签名数据不是 PNG 图片，请重新签名"), code=E.BAD_DOCUMENT) from None
    return Document(content, FileKind.PNG, "signature.png")

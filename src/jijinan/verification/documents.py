"""Authorisation documents: what a file really is (its first bytes, not its name or declared type),
and where it is kept — under ``settings.VAR_DIR / "private"``, outside the web root, read back only
through a scoped view that logs the access."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError
from jijinan.verification.choices import DocumentKind
from jijinan.verification.errors import VerificationErrorCode as E

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a scanned page or two
MAX_SIGNATURE_BYTES = 512 * 1024  # a canvas of a few hundred pixels
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXTENSIONS = {DocumentKind.PDF: {"pdf"}, DocumentKind.JPEG: {"jpg", "jpeg"}, DocumentKind.PNG: {"png"}}
CONTENT_TYPES = {DocumentKind.PDF: "application/pdf", DocumentKind.JPEG: "image/jpeg",
                 DocumentKind.PNG: "image/png"}
SUBDIR = Path("private") / "verification" / "authorisations"
_DATA_URL = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")


@dataclass(frozen=True)
class Document:
    content: bytes
    kind: str
    name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    """The document kind the bytes are, or None. A PNG must also carry its IHDR header chunk, a
    JPEG its end marker, a PDF its end-of-file mark, so that a bare magic number is not enough."""
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:]:
        return DocumentKind.PDF
    if content.startswith(b"\xff\xd8\xff") and content.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
        return DocumentKind.JPEG
    if content.startswith(PNG_MAGIC) and len(content) >= 33 and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        if width > 0 and height > 0:
            return DocumentKind.PNG
    return None


def check_size(size: int, *, field: str = "document") -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise DomainError.for_field(field, _("文件过大：不能超过 %(mb)s MB") % {
            "mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}, code=E.DOCUMENT_TOO_LARGE)


def check_upload(content: bytes, name: str, *, field: str = "document") -> Document:
    """A scanned authorisation: PDF, JPEG or PNG by its content, and a name that does not claim
    another kind (a PNG called .pdf, or a program called .pdf, is refused)."""
    if not content:
        raise DomainError.for_field(field, _("请上传授权书文件"), code=E.BAD_DOCUMENT)
    check_size(len(content), field=field)
    kind = sniff(content)
    if kind is None:
        raise DomainError.for_field(field, _("文件内容不是 PDF、JPEG 或 PNG，请上传授权书的扫描件"),
                                    code=E.BAD_DOCUMENT)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and not any(extension in names for names in EXTENSIONS.values()):
        raise DomainError.for_field(field, _("文件扩展名只能是 .pdf、.jpg、.jpeg 或 .png"), code=E.BAD_DOCUMENT)
    if extension and extension not in EXTENSIONS[DocumentKind(kind)]:
        raise DomainError.for_field(field, _("文件名与内容不符：名为 .%(ext)s，实际是 %(kind)s 文件") % {
            "ext": extension, "kind": DocumentKind(kind).label}, code=E.BAD_DOCUMENT)
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
    if len(content) > MAX_SIGNATURE_BYTES:
        raise DomainError.for_field(field, _("签名图片过大"), code=E.DOCUMENT_TOO_LARGE)
    if sniff(content) != DocumentKind.PNG:
        raise DomainError.for_field(field, _("签名数据不是 PNG 图片，请重新签名"), code=E.BAD_DOCUMENT)
    return Document(content, DocumentKind.PNG, "signature.png")


def private_root() -> Path:
    return Path(settings.VAR_DIR)


def store(document: Document) -> str:
    """Write the file under the private directory; the relative path to keep on the record."""
    relative = SUBDIR / f"{uuid.uuid4().hex}.{'jpg' if document.kind == DocumentKind.JPEG else document.kind}"
    path = private_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document.content)
    return relative.as_posix()


def discard(relative: str) -> None:
    """Remove a stored file whose record was never committed."""
    (private_root() / relative).unlink(missing_ok=True)


def read(relative: str) -> bytes:
    path = (private_root() / relative).resolve()
    if not path.is_relative_to((private_root() / SUBDIR).resolve()):
        raise DomainError(_("文件位置无效"), code=E.BAD_DOCUMENT)
    return path.read_bytes()

"""Case attachments: checked by their content (PDF, JPEG or PNG, by the first bytes, not the name),
kept under ``settings.VAR_DIR / "private" / "cases"`` outside the web root, and read back only
through a scoped view that logs the access."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from jijinan.cases.errors import CaseErrorCode as E
from jijinan.core.errors import DomainError
from jijinan.verification.choices import DocumentKind
from jijinan.verification.documents import CONTENT_TYPES, EXTENSIONS, sniff

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
SUBDIR = Path("private") / "cases"


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    kind: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[DocumentKind(self.kind)]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_size(size: int, *, field: str = "attachments") -> None:
    """Refuse a file above the limit before its body is read where the size is known early."""
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError.for_field(field, _("附件过大：每个文件不能超过 %(mb)s MB") % {
            "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)}, code=E.ATTACHMENT_TOO_LARGE)


def check_file(upload: Upload, *, field: str = "attachments") -> CheckedFile:
    """PDF, JPEG or PNG by content, with a name that does not claim another kind."""
    name = (upload.name or "").strip().replace("/", "_").replace("\\", "_")[-200:] or "file"
    if not upload.content:
        raise DomainError.for_field(field, _("附件 %(name)s 是空文件") % {"name": name}, code=E.BAD_ATTACHMENT)
    check_size(len(upload.content), field=field)
    kind = sniff(upload.content)
    if kind is None:
        raise DomainError.for_field(field, _("附件 %(name)s 的内容不是 PDF、JPEG 或 PNG 文件") % {"name": name},
                                    code=E.BAD_ATTACHMENT)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and extension not in EXTENSIONS[DocumentKind(kind)]:
        raise DomainError.for_field(field, _("附件 %(name)s 的文件名与内容不符：实际是 %(kind)s 文件") % {
            "name": name, "kind": DocumentKind(kind).label}, code=E.BAD_ATTACHMENT)
    return CheckedFile(name, upload.content, kind)


def check_files(uploads: list[Upload], *, field: str = "attachments") -> list[CheckedFile]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise DomainError.for_field(field, _("一次最多上传 %(n)s 个附件") % {"n": MAX_ATTACHMENTS},
                                    code=E.BAD_ATTACHMENT)
    return [check_file(u, field=field) for u in uploads]


def private_root() -> Path:
    return Path(settings.VAR_DIR)


def store(checked: CheckedFile) -> str:
    """Write the file; the relative path to keep on the record."""
    suffix = "jpg" if checked.kind == DocumentKind.JPEG else checked.kind
    relative = SUBDIR / f"{uuid.uuid4().hex}.{suffix}"
    path = private_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(checked.content)
    return relative.as_posix()


def discard(relative: str) -> None:
    """Remove a stored file whose record was never committed."""
    (private_root() / relative).unlink(missing_ok=True)


def read(relative: str) -> bytes:
    path = (private_root() / relative).resolve()
    if not path.is_relative_to((private_root() / SUBDIR).resolve()):
        raise DomainError(_("文件位置无效"), code=E.BAD_ATTACHMENT)
    return path.read_bytes()

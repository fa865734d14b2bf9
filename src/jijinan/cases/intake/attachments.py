"""Case attachments: checked by their content (PDF, JPEG or PNG, by the first bytes, not the name),
kept under ``settings.VAR_DIR / "private" / "cases"`` by :mod:`jijinan.core.uploads`, and read back
only through a scoped view that logs the access. The referrals' task documents follow the same
rules and live in the same folder."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from jijinan.cases.errors import CaseErrorCode as E
from jijinan.core.errors import DomainError
from jijinan.core.uploads import CheckedFile, PrivateFiles, Refusal, UploadRefused, check_content

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10

FILES = PrivateFiles("cases", bad_location_code=E.BAD_ATTACHMENT)
store, read, removed_on_failure = FILES.store, FILES.read, FILES.removed_on_failure


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and bytes."""

    name: str
    content: bytes


def _too_large(field: str) -> DomainError:
    return DomainError.for_field(field, _("附件过大：每个文件不能超过 %(mb)s MB") % {
        "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)}, code=E.ATTACHMENT_TOO_LARGE)


def check_size(size: int, *, field: str = "attachments") -> None:
    """Refuse a file above the limit before its body is read where the size is known early."""
    if size > MAX_ATTACHMENT_BYTES:
        raise _too_large(field)


def _refused(refused: UploadRefused, name: str, field: str) -> DomainError:
    if refused.refusal == Refusal.TOO_LARGE:
        return _too_large(field)
    if refused.refusal == Refusal.EMPTY:
        message = _("附件 %(name)s 是空文件") % {"name": name}
    elif refused.refusal == Refusal.NOT_RECOGNISED:
        message = _("附件 %(name)s 的内容不是 PDF、JPEG 或 PNG 文件") % {"name": name}
    else:  # an unknown ending or another kind's: either way the name claims what the content is not
        message = _("附件 %(name)s 的文件名与内容不符：实际是 %(kind)s 文件") % {
            "name": name, "kind": refused.kind_label}
    return DomainError.for_field(field, message, code=E.BAD_ATTACHMENT)


def check_file(upload: Upload, *, field: str = "attachments") -> CheckedFile:
    """PDF, JPEG or PNG by content, with a name that does not claim another kind."""
    name = (upload.name or "").strip().replace("/", "_").replace("\\", "_")[-200:] or "file"
    try:
        kind = check_content(upload.content, name, max_bytes=MAX_ATTACHMENT_BYTES)
    except UploadRefused as refused:
        raise _refused(refused, name, field) from None
    return CheckedFile(upload.content, kind, name)


def check_files(uploads: list[Upload], *, field: str = "attachments") -> list[CheckedFile]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise DomainError.for_field(field, _("一次最多上传 %(n)s 个附件") % {"n": MAX_ATTACHMENTS},
                                    code=E.BAD_ATTACHMENT)
    return [check_file(u, field=field) for u in uploads]

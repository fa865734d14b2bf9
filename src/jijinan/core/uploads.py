"""Private files (case attachments, authorisation scans, task documents, printed forms): what an
upload really is, by its first bytes and not its name or declared type, and where it is kept —
under ``settings.VAR_DIR / "private" / <folder>``, outside the web root, at a name that never comes
from the user, written whole or not at all, read back only from inside its folder.

The apps keep their own rules (which kinds, how large, who may see) and their own words: a check
here raises :class:`UploadRefused` saying what is wrong, and the app turns it into its message.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db import models
from django.http import HttpResponse
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError

PRIVATE = Path("private")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class FileKind(models.TextChoices):
    """What a file is, as its content (not its name) says."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


EXTENSIONS = {FileKind.PDF: {"pdf"}, FileKind.JPEG: {"jpg", "jpeg"}, FileKind.PNG: {"png"}}
CONTENT_TYPES = {FileKind.PDF: "application/pdf", FileKind.JPEG: "image/jpeg", FileKind.PNG: "image/png"}
SUFFIXES = {FileKind.PDF: "pdf", FileKind.JPEG: "jpg", FileKind.PNG: "png"}  # of the stored file


def sniff(content: bytes) -> FileKind | None:
    """The kind the bytes are, or None. A PNG must also carry its IHDR header chunk, a JPEG its end
    marker, a PDF its end-of-file mark, so that a bare magic number is not enough."""
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:]:
        return FileKind.PDF
    if content.startswith(b"\xff\xd8\xff") and content.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
        return FileKind.JPEG
    if content.startswith(PNG_MAGIC) and len(content) >= 33 and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        if width > 0 and height > 0:
            return FileKind.PNG
    return None


class Refusal(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_RECOGNISED = "not_recognised"  # not one of the allowed kinds, by content
    UNKNOWN_EXTENSION = "unknown_extension"  # a name ending that none of the allowed kinds has
    NAME_MISMATCH = "name_mismatch"  # a name that claims another kind than the content


class UploadRefused(Exception):
    """The first thing wrong with an upload; ``kind`` and ``extension`` say what the content is and
    what its name claims, where that is known."""

    def __init__(self, refusal: Refusal, *, kind: FileKind | None = None, extension: str = "") -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.kind = kind
        self.extension = extension

    @property
    def kind_label(self) -> str:
        return str(self.kind.label) if self.kind is not None else ""


def extension_of(name: str) -> str:
    """The lower-case ending of a file name, without its dot; empty for a name without one."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_content(content: bytes, name: str, *, max_bytes: int,
                  kinds: Collection[FileKind] = tuple(FileKind)) -> FileKind:
    """The kind of ``content``, one of ``kinds`` by its bytes, at most ``max_bytes`` long, with a name
    that does not claim another kind (a PNG called .pdf, or a program called .pdf, is refused)."""
    if not content:
        raise UploadRefused(Refusal.EMPTY)
    if len(content) > max_bytes:
        raise UploadRefused(Refusal.TOO_LARGE)
    kind = sniff(content)
    if kind is None or kind not in kinds:
        raise UploadRefused(Refusal.NOT_RECOGNISED)
    extension = extension_of(name)
    if extension and not any(extension in EXTENSIONS[k] for k in kinds):
        raise UploadRefused(Refusal.UNKNOWN_EXTENSION, kind=kind, extension=extension)
    if extension and extension not in EXTENSIONS[kind]:
        raise UploadRefused(Refusal.NAME_MISMATCH, kind=kind, extension=extension)
    return kind


@dataclass(frozen=True)
class CheckedFile:
    """A file whose content was checked: its bytes, its kind and the name it came with."""

    content: bytes
    kind: str
    name: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[FileKind(self.kind)]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def write_atomic(path: Path, content: bytes) -> None:
    """Whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class PrivateFiles:
    """One app's folder of private files, ``VAR_DIR/private/<folder>``. Records keep the path
    relative to ``VAR_DIR`` that :meth:`store` returns; ``bad_location_code`` is the app's error
    code for a recorded path that points outside the folder."""

    folder: str
    bad_location_code: str

    @property
    def subdir(self) -> Path:
        """The folder, relative to ``VAR_DIR``."""
        return PRIVATE / self.folder

    def path(self, relative: str) -> Path:
        """Where a recorded file lies; refused when the record points outside the folder."""
        root = Path(settings.VAR_DIR)
        path = (root / relative).resolve()
        if not path.is_relative_to((root / self.subdir).resolve()):
            raise DomainError(_("文件位置无效"), code=self.bad_location_code)
        return path

    def store(self, file: CheckedFile) -> str:
        """Write the file under a new random name; the relative path to keep on the record."""
        relative = self.subdir / f"{uuid.uuid4().hex}.{SUFFIXES[FileKind(file.kind)]}"
        write_atomic(Path(settings.VAR_DIR) / relative, file.content)
        return relative.as_posix()

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def discard(self, relative: str) -> None:
        """Remove a stored file whose record was never committed."""
        self.path(relative).unlink(missing_ok=True)

    @contextmanager
    def removed_on_failure(self) -> Iterator[WrittenFiles]:
        """A block whose files, written through what it yields, are removed when the block fails (its
        transaction rolled back) before the error goes on."""
        written = WrittenFiles(self)
        try:
            yield written
        except BaseException:
            for relative in written.paths:
                self.discard(relative)
            raise


@dataclass
class WrittenFiles:
    """The files one change wrote, to be removed if the change does not commit."""

    files: PrivateFiles
    paths: list[str] = field(default_factory=list)

    def store(self, file: CheckedFile) -> str:
        relative = self.files.store(file)
        self.paths.append(relative)
        return relative


def inline_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A private file shown in the browser: never sniffed into another type, never cached."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

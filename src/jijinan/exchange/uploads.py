"""Receiving an uploaded file: refused by its declared size before the body is read, counted
while it streams to a temporary file (a client may not declare the size, or lie about it)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jijinan.exchange.errors import ExchangeErrorCode as E
from jijinan.exchange.reading import FileProblem, check_size, max_import_bytes

# Room for the multipart framing and the other form fields around the file.
FORM_OVERHEAD = 64 * 1024


class SizeLimitHandler(FileUploadHandler):
    """Stops an upload as soon as more than the limit has arrived."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        check_size(self.received)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_upload_limit(request: HttpRequest) -> None:
    """Call before anything reads ``request.POST`` or ``request.FILES``."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        length = 0
    if length > max_import_bytes() + FORM_OVERHEAD:
        check_size(length - FORM_OVERHEAD)
    request.upload_handlers = [SizeLimitHandler(request), TemporaryFileUploadHandler(request)]


def save_upload(upload: Any) -> Path:
    """The uploaded file as a temporary file of our own (the services move it into place)."""
    if upload is None:
        raise FileProblem(_("请选择要上传的文件"), code=E.FILE_EMPTY)
    check_size(upload.size or 0)
    with tempfile.NamedTemporaryFile(prefix="jijinan-import-", delete=False) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return Path(handle.name)

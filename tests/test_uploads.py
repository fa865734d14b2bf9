"""The shared mechanisms of core: private files (checked by content, kept outside the web root,
removed when their change rolls back), the stored-word language choice, and the acting user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import DepartmentType, User
from jijinan.cases.intake import attachments
from jijinan.cases.models import CaseCategory, NeedType
from jijinan.core import uploads
from jijinan.core.errors import DomainError
from jijinan.core.uploads import CheckedFile, FileKind, PrivateFiles, Refusal, UploadRefused, check_content
from jijinan.core.vocabulary import in_active_language
from jijinan.registry.models import ProgramType
from jijinan.verification.demo import tiny_png

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"\xff\xd9"


@pytest.mark.parametrize(("content", "name", "kinds", "refusal", "kind", "extension"), [
    (b"", "a.pdf", tuple(FileKind), Refusal.EMPTY, None, ""),
    (PDF + b"\x00" * 100, "a.pdf", tuple(FileKind), Refusal.TOO_LARGE, None, ""),
    (b"MZ\x90\x00" + b"\x00" * 20, "a.pdf", tuple(FileKind), Refusal.NOT_RECOGNISED, None, ""),
    (tiny_png(), "a.png", {FileKind.PDF}, Refusal.NOT_RECOGNISED, None, ""),
    (PDF, "a.docx", tuple(FileKind), Refusal.UNKNOWN_EXTENSION, FileKind.PDF, "docx"),
    (PDF, "a.png", {FileKind.PDF}, Refusal.UNKNOWN_EXTENSION, FileKind.PDF, "png"),
    (tiny_png(), "a.JPG", tuple(FileKind), Refusal.NAME_MISMATCH, FileKind.PNG, "jpg"),
])
def test_a_file_is_refused_for_the_first_thing_wrong(content, name, kinds, refusal, kind, extension):
    with pytest.raises(UploadRefused) as caught:
        check_content(content, name, max_bytes=len(PDF) + 50, kinds=kinds)
    assert (caught.value.refusal, caught.value.kind, caught.value.extension) == (refusal, kind, extension)


def test_a_file_is_known_by_its_content_whatever_its_name_says_of_case():
    assert check_content(PDF, "授权书.PDF", max_bytes=1024) == FileKind.PDF
    assert check_content(JPEG, "photo.jpeg", max_bytes=1024) == FileKind.JPEG
    assert check_content(tiny_png(), "no-extension", max_bytes=1024) == FileKind.PNG


def test_an_attachment_named_for_no_known_kind_is_told_its_name_does_not_match():
    with pytest.raises(DomainError) as caught:
        attachments.check_file(attachments.Upload("bill.txt", PDF))
    assert "文件名与内容不符：实际是 PDF 文件" in caught.value.field_errors["attachments"][0]


@pytest.fixture
def private(settings, tmp_path: Path) -> PrivateFiles:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return PrivateFiles("tests/kept", bad_location_code="bad_place")


def test_a_stored_file_gets_a_name_of_its_own_and_reads_back(private: PrivateFiles, tmp_path: Path):
    relative = private.store(CheckedFile(JPEG, FileKind.JPEG, "../../etc/passwd.jpg"))
    assert relative.startswith("private/tests/kept/") and relative.endswith(".jpg")
    assert "passwd" not in relative
    assert private.read(relative) == JPEG
    assert [p.name for p in (tmp_path / "private" / "tests" / "kept").iterdir()] == [relative.rsplit("/", 1)[1]]
    private.discard(relative)
    assert not (tmp_path / relative).exists()


@pytest.mark.parametrize("relative", ["private/tests/kept/../../../secret.pdf", "private/tests/other.pdf",
                                      "/etc/hosts"])
def test_a_recorded_path_outside_the_folder_is_refused(private: PrivateFiles, tmp_path: Path, relative: str):
    (tmp_path / "secret.pdf").write_bytes(PDF)
    with pytest.raises(DomainError) as caught:
        private.read(relative)
    assert caught.value.code == "bad_place"
    assert (tmp_path / "secret.pdf").exists()


def test_files_written_by_a_failed_change_are_removed_and_kept_by_one_that_succeeds(private: PrivateFiles,
                                                                                      tmp_path: Path):
    folder = tmp_path / "private" / "tests" / "kept"
    with pytest.raises(RuntimeError), private.removed_on_failure() as written:
        written.store(CheckedFile(PDF, FileKind.PDF, "a.pdf"))
        written.store(CheckedFile(tiny_png(), FileKind.PNG, "b.png"))
        assert len(list(folder.iterdir())) == 2
        raise RuntimeError("rolled back")
    assert list(folder.iterdir()) == []
    with private.removed_on_failure() as written:
        kept = written.store(CheckedFile(PDF, FileKind.PDF, "a.pdf"))
    assert private.read(kept) == PDF


def test_a_write_that_fails_leaves_neither_the_file_nor_a_part_of_it(tmp_path: Path, monkeypatch):
    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        uploads.write_atomic(tmp_path / "a" / "form.pdf", PDF)
    assert list((tmp_path / "a").iterdir()) == []


def test_a_stored_word_shows_in_english_only_where_it_has_one():
    assert in_active_language("低保", "Dibao") == "低保"
    with translation.override("en"):
        assert in_active_language("低保", "Dibao") == "Dibao"
        assert in_active_language("低保", "") == "低保"


def test_the_vocabularies_share_one_shape_and_keep_their_own_tables():
    for model, table in [(CaseCategory, "cases_casecategory"), (NeedType, "cases_needtype"),
                         (DepartmentType, "accounts_departmenttype"), (ProgramType, "registry_programtype")]:
        names = {f.name for f in model._meta.fields}
        assert {"code", "name", "name_en", "active", "sort_order"} <= names
        assert model._meta.db_table == table
        assert model._meta.ordering == ["sort_order", "code"]
        assert str(model(code="x", name="名称")) == "名称"
    assert str(NeedType._meta.verbose_name) == "需求类型"


def test_the_acting_user_is_the_signed_in_account_and_nothing_else():
    request = RequestFactory().get("/")
    request.user = User(username="clerk")
    assert acting_user(request) is request.user
    request.user = AnonymousUser()
    with pytest.raises(AssertionError):
        acting_user(request)

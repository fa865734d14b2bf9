"""Writes of the exchange app: upload a department file as a batch, validate it, confirm
(commit) or discard it, and undo a committed batch.

A commit runs in one transaction with its audit event and outbox message: all-or-nothing
rolls everything back at the first bad row (and still reports every row's problems), accept-
valid writes the good rows and lists the rest. Undo removes exactly what the batch created, in
one transaction, and refuses when any of it has since been changed or is referred to elsewhere.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.models import DepartmentType
from jijinan.audit.services import audit_record
from jijinan.core.errors import Conflict, DomainError, RowError
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import Target, require
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import IdCheck
from jijinan.core.search.textsearch import textsearch_index_many
from jijinan.exchange.choices import BatchMode, BatchStatus, CreatedKind, ImportTarget, Linkage
from jijinan.exchange.errors import ExchangeErrorCode as E
from jijinan.exchange.models import BatchCreated, DepartmentRecord, ImportBatch, ImportRowError
from jijinan.exchange.permissions import BATCH_IMPORT, BATCH_IMPORT_REGISTRY, BATCH_UNDO
from jijinan.exchange.reading import FileInfo, FileProblem, check_size, inspect_file, open_rows
from jijinan.exchange.sources import Source, source_get
from jijinan.exchange.validation import Prepared, RowChecker, display_values
from jijinan.exchange.writing import insert_records, record_tuple
from jijinan.regions.models import Region
from jijinan.registry.choices import IdDocumentKind, MembershipStatus, PersonSource, ProgramSubject
from jijinan.registry.models import PHONE_PURPOSE, HouseholdMember, Membership, Person, ProgramType
from jijinan.registry.names import name_code, name_keys
from jijinan.registry.search import (
    PERSON_ADDRESS_SUBJECT,
    given_name_values,
    id_number_partial_index,
    phone_partial_index,
)

logger = logging.getLogger(__name__)

SUBJECT = "exchange.batch"
CHUNK_ROWS = 5000
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 50_000
# Uploads up to this size are validated in the request; larger ones by the worker.
INLINE_VALIDATION_BYTES = 5 * 1024 * 1024

Progress = Callable[[int, int], None]


def import_dir() -> Path:
    path = Path(getattr(settings, "JIJINAN_IMPORT_DIR", settings.VAR_DIR / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_file(batch: ImportBatch) -> Path:
    return import_dir() / f"{batch.pk}-{batch.sha256[:16]}"


def _forget_file(batch: ImportBatch) -> None:
    """The department's file holds personal data: it is kept only while the batch awaits a
    decision, and removed once the decision is committed (a rolled-back one still needs it)."""
    path = stored_file(batch)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def _import_action(source: Source) -> str:
    return BATCH_IMPORT if source.target == ImportTarget.EVENT else BATCH_IMPORT_REGISTRY


def _target(region: Region, source: Source) -> Target:
    return Target(region_prefix=region.prefix, department_type=source.department_type)


def _require_import(actor: Any, source: Source, region: Region) -> None:
    if actor is None:
        return  # the system (demo, command line without --user)
    require(actor, BATCH_IMPORT, _target(region, source))
    if source.target != ImportTarget.EVENT:
        require(actor, BATCH_IMPORT_REGISTRY, _target(region, source))


def region_for_import(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), valid_to__isnull=True).first()
    if region is None:
        raise DomainError.for_field("region", _("区划代码 %(code)s 不存在或已停用") % {"code": code},
                                    code=E.INVALID_REGION)
    return region


def _emit(*, actor: Any, action: str, batch: ImportBatch, note: str = "",
          changes: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, subject=batch, region_code=batch.region.code,
                 subject_label=str(batch), note=note, changes=changes)
    outbox_write(type=action, subject_type=SUBJECT, subject_id=str(batch.pk), payload={
        "id": batch.pk, "source": batch.source, "region_code": batch.region.code, "status": batch.status,
        "rows_written": batch.rows_written, "version": batch.version})


# --- running a file through validation (and writing) --------------------------------------------
class _Abort(Exception):
    """Rolls back an all-or-nothing commit once a row proved bad."""


@dataclass
class _Outcome:
    total: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    written: int = 0
    matched: int = 0
    unlinked: int = 0
    persons_created: int = 0
    memberships_created: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)

    def add_errors(self, errors: list[RowError]) -> None:
        for e in errors:
            self.error_rows.add(e.row)
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append(e)


class _Run:
    """One pass over a batch's file: every row checked; with ``write`` the good ones stored."""

    def __init__(self, batch: ImportBatch, source: Source, path: Path, info: FileInfo, *, write: bool,
                 actor: Any, progress: Progress | None) -> None:
        self.batch, self.source, self.path, self.info = batch, source, path, info
        self.write, self.actor, self.progress = write, actor, progress
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.out = _Outcome()
        self.stop_writing = False
        self.checker = RowChecker(source, region=batch.region, today=self.today)
        self.region_ids: dict[str, int] = {}
        self.programs = {p.code: p for p in ProgramType.objects.all()}

    def execute(self) -> _Outcome:
        opened = open_rows(self.path, self.info)
        try:
            self.checker.map_header(opened.header)
            chunk: list[Prepared] = []
            estimate = max(self.info.rows_estimate - 1, 0)
            for number, cells in opened.rows:
                self.out.total += 1
                result = self.checker.check(number, cells)
                if isinstance(result, list):
                    self._bad(result)
                else:
                    chunk.append(result)
                if len(chunk) >= CHUNK_ROWS:
                    self._chunk(chunk)
                    chunk = []
                    if self.progress:
                        self.progress(self.out.total, max(estimate, self.out.total))
            self._chunk(chunk)
            if self.progress:
                self.progress(self.out.total, self.out.total)
        finally:
            opened.close()
        if self.out.total == 0:
            raise FileProblem(_("文件只有表头，没有数据行"), code=E.FILE_EMPTY)
        return self.out

    def _bad(self, errors: list[RowError]) -> None:
        self.out.add_errors(errors)
        if self.write and self.batch.mode == BatchMode.ALL_OR_NOTHING:
            self.stop_writing = True  # keep checking, so every problem is reported at once

    def _chunk(self, rows: list[Prepared]) -> None:
        if not rows:
            return
        persons = _persons_by_index([r.id_index for r in rows if r.id_index])
        if self.source.target == ImportTarget.MEMBERSHIP:
            rows = self._membership_rows(rows, persons)
        self.out.valid += len(rows)
        for r in rows[:max(0, PREVIEW_ROWS - len(self.out.preview))]:
            self.out.preview.append({"row": r.row, "values": display_values(self.source, r),
                                     "linked": bool(persons.get(r.id_index))})
        if not self.write or self.stop_writing:
            return
        if self.source.target == ImportTarget.PERSON:
            persons.update(self._create_persons([r for r in rows if r.id_index not in persons]))
        records = []
        for r in rows:
            person_id = persons.get(r.id_index) if r.id_index else None
            if person_id:
                self.out.matched += 1
            else:
                self.out.unlinked += 1
            records.append(record_tuple(
                batch_id=self.batch.pk, source=self.source.code, kind=self.source.kind, person_id=person_id,
                id_number=r.id_number, id_index=r.id_index, values=_storable(r.values),
                region_code=r.region_code, linkage=Linkage.MATCHED if person_id else Linkage.UNLINKED,
                row=r.row, now=self.now))
        insert_records(records)
        self.out.written += len(records)

    # --- persons ---------------------------------------------------------------------------------
    def _region_id(self, code: str) -> int:
        if code not in self.region_ids:
            self.region_ids[code] = Region.objects.only("pk").get(code=code).pk
        return self.region_ids[code]

    def _create_persons(self, rows: list[Prepared]) -> dict[str, int]:
        new = []
        for r in rows:
            check: IdCheck = r.values["_id_check"]
            pinyin, initials = name_keys(r.values["name"])
            phone = r.values.get("phone")
            new.append(Person(
                name=r.values["name"], name_code=name_code(r.values["name"]), name_pinyin=pinyin,
                name_initials=initials, id_number=r.id_number, id_number_index=r.id_index,
                id_kind=str(check.kind) or IdDocumentKind.RESIDENT, sex=check.sex, birth_date=check.birth_date,
                phone=phone, phone_index=crypto.blind_index(phone, purpose=PHONE_PURPOSE) if phone else "",
                id_number_partial_index=id_number_partial_index(r.id_number or None),
                phone_partial_index=phone_partial_index(phone), **given_name_values(r.values["name"]),
                residence_region_id=self._region_id(r.region_code),
                residence_address=r.values.get("address") or "", source=PersonSource.IMPORT,
                created_at=self.now, updated_at=self.now, created_by=_user_or_none(self.actor)))
        created = Person.objects.bulk_create(new, batch_size=1000)
        textsearch_index_many(subject_type=PERSON_ADDRESS_SUBJECT, items=[
            (p.pk, p.residence_address, code) for p, code in zip(created, (r.region_code for r in rows), strict=True)])
        BatchCreated.objects.bulk_create([BatchCreated(batch=self.batch, kind=CreatedKind.PERSON, object_id=p.pk)
                                          for p in created], batch_size=2000)
        self.out.persons_created += len(created)
        return {p.id_number_index: p.pk for p in created if p.id_number_index}

    # --- program memberships -----------------------------------------------------------------------
    def _membership_rows(self, rows: list[Prepared], persons: dict[str, int]) -> list[Prepared]:
        """Checks against the registry (the household of a household program, an open record of
        the same program); an unregistered person's row is kept, unlinked, without a membership."""
        person_ids = list(persons.values())
        households = {m["person_id"]: (m["household_id"], m["household__region_id"]) for m in
                      HouseholdMember.objects.filter(person_id__in=person_ids, left_on__isnull=True)
                      .values("person_id", "household_id", "household__region_id")}
        regions = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "residence_region_id"))
        open_ = set(Membership.objects.filter(status=MembershipStatus.ACTIVE).filter(
            person_id__in=person_ids).values_list("program__code", "person_id")) | {
            ("h", code, hid) for code, hid in Membership.objects.filter(
                status=MembershipStatus.ACTIVE, household_id__in=[h for h, _r in households.values()])
            .values_list("program__code", "household_id")}
        good: list[Prepared] = []
        new: list[Membership] = []
        for r in rows:
            program = self.programs.get(r.values["program"])
            column = self.source.column("program")
            header = column.header if column else ""
            if program is None or not program.active:
                self._bad([RowError(r.row, header, _("救助类别“%(code)s”未在系统中启用") % {
                    "code": r.values["program"]})])
                continue
            person_id = persons.get(r.id_index)
            if person_id is None:
                good.append(r)  # kept as an unlinked record until the person is registered
                continue
            by_household = program.subject == ProgramSubject.HOUSEHOLD
            if by_household and person_id not in households:
                self._bad([RowError(r.row, header, _("“%(program)s”按家庭登记，但该人员尚未登记家庭，"
                                                     "请先在救助对象库中登记其家庭") % {"program": program.name})])
                continue
            key = ("h", program.code, households[person_id][0]) if by_household else (program.code, person_id)
            good.append(r)
            if key in open_:
                continue  # already on the roll: the record is kept, no second membership
            open_.add(key)
            new.append(Membership(
                program=program, person_id=None if by_household else person_id,
                household_id=households[person_id][0] if by_household else None,
                region_id=households[person_id][1] if by_household else regions[person_id],
                status=MembershipStatus.ACTIVE, start_date=r.values["start_date"],
                reporting_department_id=self.batch.department_type_id,
                reference=r.values.get("reference") or "",
                note=_("数据导入批次 %(id)s") % {"id": self.batch.pk}, created_at=self.now,
                updated_at=self.now, created_by=_user_or_none(self.actor)))
        if self.write and not self.stop_writing and new:
            created = Membership.objects.bulk_create(new, batch_size=1000)
            BatchCreated.objects.bulk_create([
                BatchCreated(batch=self.batch, kind=CreatedKind.MEMBERSHIP, object_id=m.pk) for m in created])
            self.out.memberships_created += len(created)
        return good


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_") and k not in {"phone", "guardian_phone"}} | {
        k: crypto.blind_index(v, purpose=PHONE_PURPOSE) for k, v in values.items()
        if k in {"phone", "guardian_phone"} and v}


# --- the batch's life ----------------------------------------------------------------------------
def _store_errors(batch: ImportBatch, errors: list[RowError]) -> None:
    ImportRowError.objects.filter(batch=batch).delete()
    ImportRowError.objects.bulk_create([
        ImportRowError(batch=batch, row=e.row, column=e.column[:100], reason=e.reason[:500]) for e in errors],
        batch_size=2000)


def _apply_outcome(batch: ImportBatch, out: _Outcome) -> None:
    batch.rows_total = batch.rows_done = out.total
    batch.rows_valid = out.valid
    batch.rows_error = len(out.error_rows)
    batch.preview = out.preview


def _reject(batch: ImportBatch, problem: DomainError) -> ImportBatch:
    with transaction.atomic():
        batch.status = BatchStatus.REJECTED
        batch.file_error = str(problem.message)
        batch.validated_at = timezone.now()
        batch.version += 1
        batch.save()
        _store_errors(batch, [RowError(0, "", str(problem.message))])
        _emit(actor=batch.created_by, action="exchange.batch.reject", batch=batch, note=batch.file_error)
    _forget_file(batch)
    return batch


@dataclass(frozen=True)
class UploadInput:
    source: str
    region_code: str
    file_name: str
    path: Path  # a temporary file; moved into the import folder
    mode: str = BatchMode.ALL_OR_NOTHING


def batch_upload(*, actor: Any, data: UploadInput, inline: bool | None = None,
                 progress: Progress | None = None) -> ImportBatch:
    """Register an uploaded file as a batch and validate it (here, or by the worker when large).

    A file that cannot be read at all gives a rejected batch with the reason; a file over the
    size limit is refused before anything is stored.
    """
    source = source_get(data.source)
    region = region_for_import(data.region_code)
    _require_import(actor, source, region)
    if data.mode not in BatchMode.values:
        raise DomainError.for_field("mode", _("导入方式无效"))
    size = data.path.stat().st_size
    check_size(size)
    department = DepartmentType.objects.get(code=source.department_type)
    problem: FileProblem | None = None
    try:
        info: FileInfo | None = inspect_file(data.path, name=data.file_name)
    except FileProblem as exc:
        info, problem = None, exc
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=source.code, source_name=source.name, target=source.target, department_type=department,
            region=region, file_name=Path(data.file_name).name[:255], size=size, mode=data.mode,
            status=BatchStatus.VALIDATING, created_by=_user_or_none(actor),
            sha256=info.sha256 if info else "-", encoding=info.encoding if info else "",
            file_format=info.file_format if info else "",
            rows_total=max(info.rows_estimate - 1, 0) if info else 0)
        _emit(actor=actor, action="exchange.batch.upload", batch=batch,
              note=_("%(name)s，%(size)s 字节") % {"name": batch.file_name, "size": size})
        if info is not None:
            shutil.move(str(data.path), stored_file(batch))
        in_request = size <= INLINE_VALIDATION_BYTES if inline is None else inline
        if info is not None and not in_request:
            from jijinan.core.jobs.queue import job_enqueue

            job_enqueue("exchange.validate_batch", {"batch_id": batch.pk})
    if problem is not None:
        return _reject(batch, problem)
    if in_request:
        return batch_validate(batch_id=batch.pk, progress=progress)
    return batch


def batch_validate(*, batch_id: int, progress: Progress | None = None) -> ImportBatch:
    """Check every row without writing: row errors, counts and the preview go on the batch."""
    batch = ImportBatch.objects.select_related("region", "created_by").get(pk=batch_id)
    if batch.status != BatchStatus.VALIDATING:
        return batch
    source = source_get(batch.source)
    path = stored_file(batch)
    last = [0.0]

    def saving_progress(done: int, total: int) -> None:
        # The page polls these two numbers; once a second is enough.
        now = timezone.now().timestamp()
        if now - last[0] >= 1:
            last[0] = now
            ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total)
        if progress:
            progress(done, total)

    try:
        info = inspect_file(path, name=batch.file_name)
        out = _Run(batch, source, path, info, write=False, actor=None, progress=saving_progress).execute()
    except FileProblem as problem:
        return _reject(batch, problem)
    with transaction.atomic():
        _apply_outcome(batch, out)
        batch.status = BatchStatus.VALIDATED
        batch.validated_at = timezone.now()
        batch.version += 1
        batch.save()
        _store_errors(batch, out.errors)
    return batch


def _locked(batch: ImportBatch, version: int | None, *statuses: str) -> ImportBatch:
    current = ImportBatch.objects.select_for_update(of=("self",)).select_related("region", "created_by") \
        .get(pk=batch.pk)
    if version is not None and current.version != version:
        raise Conflict(_("该导入批次已被他人处理，请刷新后重试"), code=E.STALE_VERSION,
                       field_errors={"version": [_("版本已过期")]})
    if current.status not in statuses:
        raise DomainError(_("该导入批次当前为“%(status)s”，不能进行此操作") % {
            "status": current.get_status_display()}, code=E.WRONG_STATUS)
    return current


def _commit(*, actor: Any, batch: ImportBatch, source: Source, path: Path, info: FileInfo,
            progress: Progress | None, dry_run: bool = False, mode: str | None = None) -> ImportBatch:
    """Write the batch's rows, or nothing when all-or-nothing meets a bad row. A batch that was
    validated before stays exactly as it was then; a command-line batch records its outcome."""
    try:
        with transaction.atomic():
            current = _locked(batch, None, BatchStatus.VALIDATING, BatchStatus.VALIDATED)
            current.mode = mode or current.mode
            run = _Run(current, source, path, info, write=not dry_run, actor=actor, progress=progress)
            out = run.execute()
            if dry_run:
                raise _Abort()
            if run.stop_writing:
                raise _Abort()
            if out.valid == 0:
                raise _Abort()
            _apply_outcome(current, out)
            current.rows_written = out.written
            current.rows_matched, current.rows_unlinked = out.matched, out.unlinked
            current.persons_created, current.memberships_created = out.persons_created, out.memberships_created
            current.status = BatchStatus.COMMITTED
            current.committed_at = timezone.now()
            current.committed_by = _user_or_none(actor)
            current.validated_at = current.validated_at or current.committed_at
            current.version += 1
            current.save()
            _store_errors(current, out.errors)
            _emit(actor=actor, action="exchange.batch.commit", batch=current, note=_(
                "导入 %(written)s 行（关联 %(matched)s，待关联 %(unlinked)s），新登记人员 %(persons)s 人、"
                "项目记录 %(memberships)s 条，跳过错误行 %(errors)s 行") % {
                "written": out.written, "matched": out.matched, "unlinked": out.unlinked,
                "persons": out.persons_created, "memberships": out.memberships_created,
                "errors": current.rows_error})
    except _Abort:
        if batch.status == BatchStatus.VALIDATED:
            return ImportBatch.objects.select_related("region", "created_by").get(pk=batch.pk)
        with transaction.atomic():
            current = _locked(batch, None, BatchStatus.VALIDATING, BatchStatus.VALIDATED)
            _apply_outcome(current, out)
            current.validated_at = timezone.now()
            current.dry_run = dry_run
            # A file that cannot go in as it is: the batch keeps its errors for the history.
            if dry_run:
                current.status = BatchStatus.VALIDATED
            else:
                current.status = BatchStatus.REJECTED
            current.version += 1
            current.save()
            _store_errors(current, out.errors)
        return current
    except IntegrityError:
        raise Conflict(_("导入时有人同时登记了相同的人员或记录，未导入任何数据，请重试"),
                       code=E.STALE_VERSION) from None
    _forget_file(current)
    return current


def batch_confirm(*, actor: Any, batch: ImportBatch, version: int, mode: str | None = None,
                  progress: Progress | None = None) -> ImportBatch:
    """Commit a validated batch; ``mode`` may switch to accepting the valid rows only.

    All-or-nothing with any bad row is refused with the errors and writes nothing.
    """
    source = source_get(batch.source)
    _require_import(actor, source, batch.region)
    if mode is not None and mode not in BatchMode.values:
        raise DomainError.for_field("mode", _("导入方式无效"))
    with transaction.atomic():
        current = _locked(batch, version, BatchStatus.VALIDATED)
    path = stored_file(current)
    if not path.exists():
        raise DomainError(_("上传的文件已不在服务器上，请重新上传"), code=E.FILE_CHANGED)
    try:
        info = inspect_file(path, name=current.file_name)
    except FileProblem as problem:
        return _reject(current, problem)
    if info.sha256 != current.sha256:
        raise DomainError(_("服务器上的文件与校验时不同，请重新上传"), code=E.FILE_CHANGED)
    try:
        result = _commit(actor=actor, batch=current, source=source, path=path, info=info, progress=progress,
                         mode=mode)
    except FileProblem as problem:
        return _reject(current, problem)
    if result.status != BatchStatus.COMMITTED:
        if result.rows_valid == 0 and result.rows_total:
            raise DomainError(_("文件中没有可导入的正确行，未导入任何数据"), code=E.NO_VALID_ROWS)
        raise DomainError(_("文件有 %(n)s 行错误，按“全部正确才导入”未导入任何数据；请修改后重新上传，"
                            "或选择“导入正确的行”") % {"n": result.rows_error}, code=E.INVALID_ROWS)
    return result


def batch_discard(*, actor: Any, batch: ImportBatch, version: int) -> ImportBatch:
    source = source_get(batch.source)
    _require_import(actor, source, batch.region)
    with transaction.atomic():
        current = _locked(batch, version, BatchStatus.VALIDATED, BatchStatus.VALIDATING)
        current.status = BatchStatus.DISCARDED
        current.version += 1
        current.save()
        _emit(actor=actor, action="exchange.batch.discard", batch=current)
    _forget_file(current)
    return current


def batch_undo(*, actor: Any, batch: ImportBatch, version: int, reason: str) -> ImportBatch:
    """Remove everything the batch wrote, in one transaction, or refuse and change nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.for_field("reason", _("请填写撤销原因"))
    if len(reason) > 200:
        raise DomainError.for_field("reason", _("不能超过 %(n)s 个字符") % {"n": 200})
    source = source_get(batch.source)
    if actor is not None:
        require(actor, BATCH_UNDO, _target(batch.region, source))
        if source.target != ImportTarget.EVENT:
            require(actor, BATCH_IMPORT_REGISTRY, _target(batch.region, source))
    with transaction.atomic():
        current = _locked(batch, version, BatchStatus.COMMITTED)
        created = BatchCreated.objects.filter(batch=current)
        person_ids = created.filter(kind=CreatedKind.PERSON).values("object_id")
        membership_ids = created.filter(kind=CreatedKind.MEMBERSHIP).values("object_id")
        persons = Person.objects.filter(pk__in=person_ids)
        memberships = Membership.objects.filter(pk__in=membership_ids)
        changed_persons = persons.filter(version__gt=1).count()
        changed_memberships = memberships.filter(version__gt=1).count()
        if changed_persons or changed_memberships:
            raise Conflict(_("本批次新登记的记录已被修改（人员 %(p)s 人、项目记录 %(m)s 条），不能撤销；"
                             "请先在救助对象库中核对") % {"p": changed_persons, "m": changed_memberships},
                           code=E.UNDO_REFUSED)
        removed_records = DepartmentRecord.objects.filter(batch=current).count()
        try:
            DepartmentRecord.objects.filter(batch=current).delete()
            removed_memberships = memberships.count()
            memberships.delete()
            removed_persons = persons.count()
            persons.delete()
        except (ProtectedError, RestrictedError) as exc:
            objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            kinds = sorted({str(o._meta.verbose_name) for o in objects})
            raise Conflict(_("本批次新登记的记录已被其他记录引用（%(kinds)s），不能撤销") % {
                "kinds": "、".join(kinds)}, code=E.UNDO_REFUSED) from None
        created.delete()
        current.status = BatchStatus.UNDONE
        current.undone_at = timezone.now()
        current.undone_by = _user_or_none(actor)
        current.undo_reason = reason
        current.version += 1
        current.save()
        _emit(actor=actor, action="exchange.batch.undo", batch=current, note=_(
            "%(reason)s；删除部门记录 %(records)s 条、人员 %(persons)s 人、项目记录 %(memberships)s 条") % {
            "reason": reason, "records": removed_records, "persons": removed_persons,
            "memberships": removed_memberships})
    return current


def import_file(*, actor: Any, source_code: str, path: Path, region_code: str,
                mode: str = BatchMode.ALL_OR_NOTHING, dry_run: bool = False,
                progress: Progress | None = None) -> ImportBatch:
    """The command line's import: validate and commit in one pass, in this process."""
    source = source_get(source_code)
    region = region_for_import(region_code)
    _require_import(actor, source, region)
    check_size(path.stat().st_size)
    department = DepartmentType.objects.get(code=source.department_type)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=source.code, source_name=source.name, target=source.target, department_type=department,
            region=region, file_name=path.name[:255], size=path.stat().st_size, mode=mode,
            status=BatchStatus.VALIDATING, created_by=_user_or_none(actor), sha256="-", dry_run=dry_run)
    try:
        info = inspect_file(path, name=path.name)
    except FileProblem as problem:
        return _reject(batch, problem)
    batch.sha256, batch.encoding, batch.file_format = info.sha256, info.encoding, info.file_format
    batch.save(update_fields=["sha256", "encoding", "file_format"])
    try:
        return _commit(actor=actor, batch=batch, source=source, path=path, info=info, progress=progress,
                       dry_run=dry_run)
    except FileProblem as problem:
        return _reject(batch, problem)


def today() -> date:
    return timezone.localdate()


def _persons_by_index(indexes: list[str]) -> dict[str, int]:
    """Registry persons by ID blind index. On PostgreSQL one array parameter (``= ANY``) instead of
    thousands of ``IN`` placeholders, which the driver would otherwise parse for every chunk."""
    if not indexes:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id_number_index, id FROM {table} WHERE id_number_index = ANY(%s)",  # noqa: S608
                           [indexes])
            return {index: pk for index, pk in cursor.fetchall() if index}
    return {index: pk for index, pk in Person.objects.filter(id_number_index__in=indexes)
            .values_list("id_number_index", "pk") if index}

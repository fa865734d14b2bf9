"""Writes of the working-day calendar (seeding, days, confirmation, CSV import).

Calendar administration needs the calendar.manage action; ``actor=None`` is the system itself
(the `calendar` command, the demo). Every write is audited and invalidates the cached calendar
snapshot in its transaction and again when it commits.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.core.audit_hook import record_audit
from jijinan.core.calendar.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear
from jijinan.core.calendar.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    calendar_cache_invalidate,
    calendar_change_handlers,
    package_year,
    today_local,
)
from jijinan.core.demo import DemoContext, demo_step
from jijinan.core.errors import Conflict, DomainError, NotFound
from jijinan.core.permissions import require

Actor = AbstractBaseUser | AnonymousUser | None

SEED_FIRST_YEAR = 2020
CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 5000
NAME_MAX_LENGTH = 100

# What an administrator may write in the CSV "kind" column (Chinese and English).
KIND_WORDS: dict[str, str] = {
    "holiday": CalendarDayKind.HOLIDAY, "rest": CalendarDayKind.HOLIDAY,
    "休息日": CalendarDayKind.HOLIDAY, "休息": CalendarDayKind.HOLIDAY,
    "节假日": CalendarDayKind.HOLIDAY, "放假": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.WORKDAY, "work": CalendarDayKind.WORKDAY,
    "调休上班日": CalendarDayKind.WORKDAY, "调休上班": CalendarDayKind.WORKDAY,
    "上班": CalendarDayKind.WORKDAY, "补班": CalendarDayKind.WORKDAY,
}
# CSV header → column; the first row must name the columns.
COLUMN_WORDS: dict[str, str] = {
    "date": "date", "日期": "date", "kind": "kind", "类型": "kind", "name": "name", "名称": "name",
}


def _require_administrator(actor: Actor) -> None:
    if actor is None:
        return  # the system: the `calendar` command, the demo
    require(actor, "calendar.manage")


def _actor_id(actor: Actor) -> int | None:
    return actor.pk if isinstance(actor, AbstractBaseUser) else None


def _changed(years: Iterable[int]) -> None:
    """Drop the snapshot now (this transaction reads its own writes) and again on commit (other
    readers may have reloaded the old rows meanwhile); then tell the registered handlers."""
    calendar_cache_invalidate()
    transaction.on_commit(calendar_cache_invalidate)
    touched = frozenset(years)
    for handler in calendar_change_handlers():
        transaction.on_commit(functools.partial(handler, touched), robust=True)


def _audit(actor: Actor, action: str, subject_id: str, changes: dict[str, tuple[object, object]]) -> None:
    # The calendar is province-wide reference data: its events carry no region code.
    record_audit(actor=actor if getattr(actor, "pk", None) else None, action=action,
                 subject_type="core.calendar", subject_id=subject_id,
                 subject_label=_("工作日历 %(id)s") % {"id": subject_id}, changes=changes)


def _check_year(year: int, *, field: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError.for_field(
            field, _("年份须在 %(first)s 到 %(last)s 之间") % {"first": FIRST_YEAR, "last": LAST_YEAR})


def _exception_problem(day: date, kind: str) -> str | None:
    """Why ``(day, kind)`` is not an exception to the weekly rhythm, or None when it is one."""
    weekend = day.weekday() >= 5
    if kind == CalendarDayKind.HOLIDAY and weekend:
        return _("%(date)s 是周末，本来就休息，无需登记为休息日") % {"date": day.isoformat()}
    if kind == CalendarDayKind.WORKDAY and not weekend:
        return _("%(date)s 是周一至周五，本来就上班，无需登记为调休上班日") % {"date": day.isoformat()}
    return None


def _check_day(day: date, kind: str, name: str) -> str:
    _check_year(day.year, field="date")
    if kind not in CalendarDayKind.values:
        raise DomainError.for_field("kind", _("类型只能是休息日（holiday）或调休上班日（workday）"))
    problem = _exception_problem(day, kind)
    if problem:
        raise DomainError.for_field("kind", problem, code="calendar_not_an_exception")
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError.for_field("name", _("名称最多 %(n)s 个字符") % {"n": NAME_MAX_LENGTH})
    return name


def _already_present(day: date) -> Conflict:
    return Conflict(_("%(date)s 已在日历中，请修改该日而不是重复录入") % {"date": day.isoformat()},
                    code="calendar_day_exists",
                    field_errors={"date": [_("该日已在日历中")]})


def _year_locked(year: int) -> CalendarYear:
    """The year's row, locked for this transaction; a year first written to starts unconfirmed."""
    CalendarYear.objects.get_or_create(year=year)
    return CalendarYear.objects.select_for_update().get(year=year)


# --- days ------------------------------------------------------------------------------------


@transaction.atomic
def calendar_day_add(*, actor: Actor, day: date, kind: str, name: str = "") -> CalendarDay:
    """Enter one exception day; a day already in the calendar is refused and nothing changes."""
    _require_administrator(actor)
    name = _check_day(day, kind, name)
    year = _year_locked(day.year)
    if CalendarDay.objects.filter(date=day).exists():
        raise _already_present(day)
    try:
        with transaction.atomic():
            created = CalendarDay.objects.create(
                year=year, date=day, kind=kind, name=name, source=CalendarDaySource.ADMIN,
                changed_by_id=_actor_id(actor), changed_at=timezone.now())
    except IntegrityError:
        raise _already_present(day) from None  # entered by someone else at the same moment
    _audit(actor, "calendar.day.add", day.isoformat(), {"kind": (None, kind), "name": (None, name)})
    _changed([day.year])
    return created


@transaction.atomic
def calendar_day_correct(*, actor: Actor, day: date, kind: str, name: str = "") -> CalendarDay:
    """Change the kind or name of a day that is in the calendar."""
    _require_administrator(actor)
    name = _check_day(day, kind, name)
    _year_locked(day.year)
    found = CalendarDay.objects.select_for_update().filter(date=day).first()
    if found is None:
        raise NotFound(_("%(date)s 不在日历例外日中") % {"date": day.isoformat()},
                       code="calendar_day_not_found")
    _audit(actor, "calendar.day.correct", day.isoformat(),
           {"kind": (found.kind, kind), "name": (found.name, name)})
    found.kind = kind
    found.name = name
    found.source = CalendarDaySource.ADMIN
    found.changed_by_id = _actor_id(actor)
    found.changed_at = timezone.now()
    found.save(update_fields=["kind", "name", "source", "changed_by", "changed_at"])
    _changed([day.year])
    return found


@transaction.atomic
def calendar_day_remove(*, actor: Actor, day: date) -> None:
    """Take a day out of the calendar: it follows the weekly rhythm again."""
    _require_administrator(actor)
    if not CalendarDay.objects.filter(date=day).exists():
        raise NotFound(_("%(date)s 不在日历例外日中") % {"date": day.isoformat()},
                       code="calendar_day_not_found")
    _year_locked(day.year)
    removed = CalendarDay.objects.get(date=day)
    _audit(actor, "calendar.day.remove", day.isoformat(),
           {"kind": (removed.kind, None), "name": (removed.name, None)})
    removed.delete()
    _changed([day.year])


# --- years -----------------------------------------------------------------------------------


@transaction.atomic
def calendar_year_confirm(*, actor: Actor, year: int, note: str = "") -> CalendarYear:
    """Record that the year's arrangement (holidays and 调休 workdays) is entered completely."""
    _require_administrator(actor)
    _check_year(year)
    found = CalendarYear.objects.select_for_update().filter(year=year).first()
    if found is None:
        raise NotFound(_("日历中没有 %(year)s 年，请先录入该年的节假日") % {"year": year},
                       code="calendar_year_not_found")
    if found.confirmed:
        raise Conflict(_("%(year)s 年已确认") % {"year": year}, code="calendar_year_confirmed")
    found.confirmed = True
    found.confirmed_at = timezone.now()
    found.confirmed_by_id = _actor_id(actor)
    found.note = (note or "").strip()[:500]
    found.save(update_fields=["confirmed", "confirmed_at", "confirmed_by", "note"])
    _audit(actor, "calendar.year.confirm", str(year), {"confirmed": (False, True)})
    _changed([year])
    return found


@dataclass
class SeedReport:
    created_years: list[int] = field(default_factory=list)
    confirmed_years: list[int] = field(default_factory=list)
    upgraded_years: list[int] = field(default_factory=list)
    days_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created_years or self.upgraded_years or self.days_created)


def _package_note() -> str:
    import holidays

    return f"holidays {holidays.__version__}"


@transaction.atomic
def calendar_seed(*, actor: Actor = None, years: Iterable[int] | None = None) -> SeedReport:
    """Seed the calendar from the ``holidays`` package; a second run changes nothing.

    A new year is created with the package's days, confirmed when the package has its make-up
    workdays. An existing year is left alone, except an unconfirmed one that holds only package
    days and that a newer package now confirms: it is brought up to date and confirmed. Days an
    administrator entered are never overwritten.
    """
    _require_administrator(actor)
    wanted = sorted(set(years)) if years is not None else list(
        range(SEED_FIRST_YEAR, today_local().year + 2))
    for y in wanted:
        _check_year(y)
    report = SeedReport()
    now = timezone.now()
    for y in wanted:
        known = package_year(y)
        existing = CalendarYear.objects.select_for_update().filter(year=y).first()
        if existing is None:
            existing = CalendarYear.objects.create(
                year=y, confirmed=known.confirmed, confirmed_at=now if known.confirmed else None,
                note=_package_note() if known.confirmed else "")
            report.created_years.append(y)
            if known.confirmed:
                report.confirmed_years.append(y)
        elif existing.confirmed or not known.confirmed:
            continue
        elif existing.days.exclude(source=CalendarDaySource.PACKAGE).exists():
            continue  # an administrator is working on this year: theirs to confirm
        else:
            existing.days.all().delete()
            existing.confirmed = True
            existing.confirmed_at = now
            existing.note = _package_note()
            existing.save(update_fields=["confirmed", "confirmed_at", "note"])
            report.upgraded_years.append(y)
            report.confirmed_years.append(y)
        taken = set(existing.days.values_list("date", flat=True))
        rows = [CalendarDay(year=existing, date=d, kind=kind, name=name[:NAME_MAX_LENGTH],
                            source=CalendarDaySource.PACKAGE, changed_by_id=_actor_id(actor),
                            changed_at=now)
                for d, kind, name in known.days if d not in taken]
        CalendarDay.objects.bulk_create(rows)
        report.days_created += len(rows)
    if report.changed:
        _audit(actor, "calendar.seed", ",".join(str(y) for y in report.created_years + report.upgraded_years),
               {"days": (None, report.days_created)})
        _changed(report.created_years + report.upgraded_years)
    return report


# --- CSV import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the line as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("第 %(row)s 行，%(column)s 列：%(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


class CalendarImportError(DomainError):
    """A refused CSV import: every problem with its row and column; nothing was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        self.rows = errors
        fields: dict[str, list[str]] = {}
        for e in errors:
            fields.setdefault(f"rows.{e.row}.{e.column}", []).append(e.message)
        super().__init__(
            _("CSV 文件有 %(n)s 处错误，未导入任何数据") % {"n": len(errors)},
            code="calendar_import_invalid", field_errors=fields)


@dataclass(frozen=True)
class ImportReport:
    days_created: int
    years: list[int]


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CalendarImportError([RowError(1, "file", _("文件编码无法识别，请保存为 UTF-8 的 CSV"))])


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@transaction.atomic
def calendar_import_csv(*, actor: Actor, content: bytes | str) -> ImportReport:
    """Import exception days from CSV (``date,kind,name``): all rows or, on any error, none.

    Refused rows name their row, column and reason: a malformed date, an unknown kind, a day
    that is not an exception, a date listed twice in the file, or a date already in the
    calendar (correct those one by one instead).
    """
    _require_administrator(actor)
    if len(content) > CSV_MAX_BYTES:
        raise CalendarImportError([RowError(1, "file", _("文件过大（上限 1 MB）"))])
    text = _decode(content)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise CalendarImportError([RowError(1, "file", _("文件为空"))])
    columns = [COLUMN_WORDS.get(h.strip().lower(), "") for h in header]
    missing = [c for c in ("date", "kind") if c not in columns]
    if missing:
        raise CalendarImportError([
            RowError(1, c, _("表头缺少此列（应为 date,kind,name 或 日期,类型,名称）")) for c in missing])

    errors: list[RowError] = []
    parsed: list[tuple[int, date, str, str]] = []
    first_row: dict[date, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > CSV_MAX_ROWS:
            raise CalendarImportError([RowError(number, "file", _("行数过多（上限 %(n)s 行）")
                                                % {"n": CSV_MAX_ROWS})])
        if not any(cell.strip() for cell in raw):
            continue
        cells = {col: (raw[i].strip() if i < len(raw) else "") for i, col in enumerate(columns) if col}
        day = _parse_date(cells.get("date", ""))
        kind = KIND_WORDS.get(cells.get("kind", "").lower())
        name = cells.get("name", "")
        row_errors: list[RowError] = []
        if day is None:
            row_errors.append(RowError(number, "date", _("日期格式应为 YYYY-MM-DD")))
        elif not FIRST_YEAR <= day.year <= LAST_YEAR:
            row_errors.append(RowError(number, "date", _("年份须在 %(first)s 到 %(last)s 之间")
                                       % {"first": FIRST_YEAR, "last": LAST_YEAR}))
        if kind is None:
            row_errors.append(RowError(number, "kind", _("类型“%(value)s”无法识别，应为 holiday（休息日）或 "
                                                      "workday（调休上班日）")
                                       % {"value": cells.get("kind", "")}))
        if len(name) > NAME_MAX_LENGTH:
            row_errors.append(RowError(number, "name", _("名称最多 %(n)s 个字符") % {"n": NAME_MAX_LENGTH}))
        if day is not None and kind is not None and not row_errors:
            problem = _exception_problem(day, kind)
            if problem:
                row_errors.append(RowError(number, "kind", problem))
        if day is not None:
            if day in first_row:
                row_errors.append(RowError(number, "date", _("与第 %(row)s 行日期重复")
                                           % {"row": first_row[day]}))
            else:
                first_row[day] = number
        errors.extend(row_errors)
        if not row_errors and day is not None and kind is not None:
            parsed.append((number, day, kind, name))

    present = set(CalendarDay.objects.filter(date__in=[d for _n, d, _k, _m in parsed])
                  .values_list("date", flat=True))
    errors.extend(RowError(n, "date", _("该日已在日历中，请在页面上修改该日"))
                  for n, d, _k, _m in parsed if d in present)
    if errors:
        raise CalendarImportError(sorted(errors, key=lambda e: (e.row, e.column)))
    if not parsed:
        raise CalendarImportError([RowError(2, "file", _("文件中没有数据行"))])

    now = timezone.now()
    years = {y: _year_locked(y) for y in sorted({d.year for _n, d, _k, _m in parsed})}
    try:
        with transaction.atomic():
            CalendarDay.objects.bulk_create([
                CalendarDay(year=years[d.year], date=d, kind=kind, name=name,
                            source=CalendarDaySource.CSV, changed_by_id=_actor_id(actor),
                            changed_at=now)
                for _n, d, kind, name in parsed])
    except IntegrityError:
        raise Conflict(_("导入期间日历已被他人修改，请重新导入"), code="calendar_day_exists") from None
    _audit(actor, "calendar.import", ",".join(str(y) for y in sorted(years)),
           {"days": (None, len(parsed))})
    _changed(years)
    return ImportReport(days_created=len(parsed), years=sorted(years))


# --- demo --------------------------------------------------------------------------------------


@demo_step("core.calendar", order=20)
def demo_calendar(ctx: DemoContext) -> None:
    """The working-day calendar from the holidays package, 2020 to next year."""
    report = calendar_seed()
    ctx.created("calendar days", report.days_created)

"""`jijinan manage calendar seed|import FILE|confirm YEAR`: the working-day calendar by hand."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jijinan.core.calendar.services import (
    CSV_MAX_BYTES,
    CalendarImportError,
    calendar_import_csv,
    calendar_seed,
    calendar_year_confirm,
)
from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import DomainError


class Command(BaseCommand):
    help = ("工作日历：从软件包补充、导入 CSV、确认年度 / "
            "Working-day calendar: seed from the package, import CSV, confirm a year")

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        text = ("从 holidays 软件包补充年度（可重复运行）/ seed years from the holidays package "
                "(a second run changes nothing)")
        seed = actions.add_parser("seed", help=text, description=text)
        seed.add_argument("--from", dest="first", type=int,
                          help="起始年份（默认 2020）/ first year (default 2020)")
        seed.add_argument("--to", dest="last", type=int,
                          help="结束年份（默认明年）/ last year (default next year)")
        text = ("导入 CSV（date,kind,name），有错则全部不导入 / import a CSV (date,kind,name); "
                "any error imports nothing")
        imported = actions.add_parser("import", help=text, description=text)
        imported.add_argument("file", type=Path, help="CSV 文件 / the CSV file")
        text = "确认年度放假安排已完整录入 / confirm a year's arrangement is entered"
        confirm = actions.add_parser("confirm", help=text, description=text)
        confirm.add_argument("year", type=int, help="年份 / the year")
        confirm.add_argument("--note", default="", help="依据 / the basis (e.g. the notice)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except CalendarImportError as error:
            lines = [str(error.message), *[f"  {row}" for row in error.rows]]
            raise CommandError("\n".join(lines)) from None
        except DomainError as error:
            raise CommandError(str(error.message)) from None

    def _seed(self, options: dict[str, Any]) -> None:
        years = None
        if options["first"] is not None or options["last"] is not None:
            first = options["first"] if options["first"] is not None else 2020
            last = options["last"] if options["last"] is not None else today_local().year + 1
            if last < first or last - first > 100:
                raise CommandError("年份范围不正确 / bad year range")
            years = range(first, last + 1)
        report = calendar_seed(years=years)
        self.stdout.write(f"新建年度 / years created: {report.created_years or '-'}")
        self.stdout.write(f"确认年度 / years confirmed: {report.confirmed_years or '-'}")
        if report.upgraded_years:
            self.stdout.write(f"更新年度 / years brought up to date: {report.upgraded_years}")
        self.stdout.write(f"新建例外日 / days created: {report.days_created}")

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            with path.open("rb") as handle:
                content = handle.read(CSV_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"无法读取文件 / cannot read {path}: {error.strerror}") from None
        report = calendar_import_csv(actor=None, content=content)
        self.stdout.write(self.style.SUCCESS(
            f"已导入 / imported {report.days_created} 天 days; 年度 / years {report.years}"))

    def _confirm(self, options: dict[str, Any]) -> None:
        year = calendar_year_confirm(actor=None, year=options["year"], note=options["note"])
        self.stdout.write(self.style.SUCCESS(f"{year.year} 已确认 / confirmed"))

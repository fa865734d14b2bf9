"""`jijinan import SOURCE FILE`: validate and commit a department file in this process, with a
progress bar, as one batch in the history."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jijinan.accounts.models import User
from jijinan.core.errors import DomainError
from jijinan.exchange.choices import BatchMode, BatchStatus
from jijinan.exchange.models import ImportRowError
from jijinan.exchange.services import import_file
from jijinan.exchange.sources import all_sources
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region

SHOWN_ERRORS = 20
BAR = 30


class Command(BaseCommand):
    help = "导入部门数据文件 / import a department data file (jijinan import SOURCE FILE)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="数据来源代码 / source code: " + ", ".join(all_sources()))
        parser.add_argument("file", help="CSV（UTF-8 或 GBK）或 .xlsx 文件 / a CSV or .xlsx file")
        parser.add_argument("--region", default="",
                            help="导入区划代码（默认：省）/ region code (default: the province)")
        parser.add_argument("--accept-valid", action="store_true",
                            help="导入正确的行，跳过错误行 / import the valid rows, skip the bad ones")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")
        parser.add_argument("--user", default="", help="以该用户身份导入（检查其权限）/ import as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"没有该用户 / no such user: {options['user']}")
        region = options["region"] or self._province()
        started = time.perf_counter()
        bar = _Bar(self.stdout, tty=sys.stdout.isatty())
        try:
            batch = import_file(actor=actor, source_code=options["source"], path=path, region_code=region,
                                mode=BatchMode.ACCEPT_VALID if options["accept_valid"] else BatchMode.ALL_OR_NOTHING,
                                dry_run=options["dry_run"], progress=bar.update)
        except DomainError as exc:
            bar.finish()
            raise CommandError(str(exc.message)) from None
        bar.finish()
        elapsed = time.perf_counter() - started
        for e in ImportRowError.objects.filter(batch=batch).order_by("row", "id")[:SHOWN_ERRORS]:
            where = f"第 {e.row} 行" if e.row else "文件"
            self.stdout.write(f"  {where} {e.column}：{e.reason}")
        if batch.rows_error > SHOWN_ERRORS:
            self.stdout.write(f"  …… 共 {batch.rows_error} 行有错误 / {batch.rows_error} rows with errors")
        rate = batch.rows_total / elapsed if elapsed else 0
        summary = (f"批次 {batch.pk}：{batch.get_status_display()}；数据 {batch.rows_total} 行，"
                   f"正确 {batch.rows_valid}，"
                   f"错误 {batch.rows_error}，已导入 {batch.rows_written}（关联 {batch.rows_matched}，"
                   f"待关联 {batch.rows_unlinked}），新登记人员 {batch.persons_created}，"
                   f"项目记录 {batch.memberships_created}；{elapsed:.1f} 秒，{rate:,.0f} 行/秒")
        if batch.status == BatchStatus.COMMITTED or (options["dry_run"] and batch.status == BatchStatus.VALIDATED
                                                     and not batch.rows_error):
            self.stdout.write(summary)
            return
        if batch.file_error:
            raise CommandError(f"{summary}\n{batch.file_error}")
        if options["dry_run"]:
            raise CommandError(f"{summary}\n（仅校验，未写入 / dry run: nothing written）")
        raise CommandError(f"{summary}\n未导入任何数据 / nothing was imported")

    def _province(self) -> str:
        provinces = list(Region.objects.filter(level=RegionLevel.PROVINCE, valid_to__isnull=True)
                         .values_list("code", flat=True)[:2])
        if len(provinces) != 1:
            raise CommandError("请用 --region 指定导入区划 / give the region with --region")
        return provinces[0]


class _Bar:
    """A text progress bar: redrawn in place on a terminal, one line per tenth otherwise."""

    def __init__(self, out: Any, *, tty: bool) -> None:
        self.out, self.tty = out, tty
        self.shown = -1
        self.drawn = False

    def update(self, done: int, total: int) -> None:
        percent = min(100, done * 100 // total) if total else 100
        step = percent if self.tty else percent // 10 * 10
        if step == self.shown:
            return
        self.shown = step
        filled = BAR * percent // 100
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {percent:3d}%  {done:,} / {total:,} 行"
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        else:
            self.out.write(line)
        self.drawn = True

    def finish(self) -> None:
        if self.tty and self.drawn:
            self.out.write("")

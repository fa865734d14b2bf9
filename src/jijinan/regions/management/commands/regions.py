"""`jijinan manage regions load FILE | retire CODE`: maintain the division tree."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jijinan.core.errors import DomainError, RowErrors
from jijinan.regions.services import decode_csv_bytes, region_retire, regions_load_csv


class Command(BaseCommand):
    help = "维护行政区划 / Maintain the administrative division tree"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="从 CSV 导入（全部成功才保存）/ load a CSV (all or nothing)")
        load.add_argument("file", type=Path)
        load.add_argument("--valid-from", type=date.fromisoformat, default=date(2022, 10, 31),
                          help="代码启用日期 / date the codes took effect (YYYY-MM-DD)")
        load.add_argument("--source", default="", help="来源说明 / source note")
        retire = sub.add_parser("retire", help="停用一个代码 / retire a code")
        retire.add_argument("code")
        retire.add_argument("--successor", default=None, help="继任代码 / successor code")
        retire.add_argument("--on", type=date.fromisoformat, required=True,
                            help="停用日期 / retirement date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                self._load(options)
            else:
                region = region_retire(code=options["code"], successor_code=options["successor"],
                                       valid_to=options["on"])
                self.stdout.write(self.style.SUCCESS(f"已停用 / retired: {region}"))
        except RowErrors as exc:
            for e in exc.rows:
                self.stderr.write(f"  第 {e.row} 行 / row {e.row}, {e.column}: {e.reason}")
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

    def _load(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}")

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()

        result = regions_load_csv(text=decode_csv_bytes(path.read_bytes()),
                                  valid_from=options["valid_from"],
                                  source=options["source"] or path.name, progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"新建 / created {result.created}, 更新 / updated {result.updated}, "
            f"未变 / unchanged {result.unchanged}"))

"""`jijinan manage policy load FILE | value NAME REGION [--on DATE]`: policy parameters."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import DomainError, RowErrors
from jijinan.policy.lookup import value
from jijinan.policy.services import parameters_load_json


class Command(BaseCommand):
    help = "政策参数 / Policy parameters"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="导入参数文件（JSON，全部成功才保存，可重复导入）/ "
                                           "load a parameter file (JSON, all or nothing, repeatable)")
        load.add_argument("file", type=Path)
        show = sub.add_parser("value", help="查询某区划某日生效的取值 / the value in force for a region on a day")
        show.add_argument("name")
        show.add_argument("region", help="12 位区划代码 / 12-digit region code")
        show.add_argument("--on", type=date.fromisoformat, default=None,
                          help="日期，默认今天 / date (YYYY-MM-DD), default today")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                path: Path = options["file"]
                if not path.is_file():
                    raise CommandError(f"文件不存在 / no such file: {path}")
                result = parameters_load_json(actor=None, text=path.read_text(encoding="utf-8-sig"),
                                              source=path.name)
                self.stdout.write(self.style.SUCCESS(
                    f"参数 / definitions: 新建 created {result.definitions_created}, "
                    f"更新 updated {result.definitions_updated}; "
                    f"版本 / versions: 新建 created {result.versions_created}, "
                    f"未变 unchanged {result.versions_unchanged}"))
            else:
                on = options["on"] or today_local()
                found = value(options["name"], options["region"], on)
                self.stdout.write(f"{found.display()}  (version {found.version_id}, region {found.region_code}, "
                                  f"from {found.effective_from}; {found.citation})")
        except RowErrors as exc:
            for e in exc.rows:
                self.stderr.write(f"  第 {e.row} 项 / entry {e.row}, {e.column}: {e.reason}")
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

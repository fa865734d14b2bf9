"""`jijinan keys rotate`: re-encrypt protected data under the active key (batched, resumable)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jijinan.core.protected import crypto
from jijinan.core.protected.key_rotation import keys_rotate, protected_columns


class Command(BaseCommand):
    help = "管理受保护数据的密钥 / Manage the keys of protected data"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="用当前密钥重新加密（可中断后继续）/ re-encrypt under the "
                                               "active key (resumable)")
        rotate.add_argument("--batch", type=int, default=500, help="每批行数 / rows per batch")
        sub.add_parser("status", help="列出受保护字段和当前密钥 / list protected columns and the active key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self.stdout.write(f"当前密钥 / active key: {crypto.active_key_id()}")
            for column in protected_columns():
                self.stdout.write(f"  {column.label}")
            return
        if not 1 <= options["batch"] <= 10_000:
            raise CommandError("--batch 须在 1 到 10000 之间 / --batch must be between 1 and 10000")

        def progress(label: str, done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            self.stdout.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()

        reports = keys_rotate(batch_size=options["batch"], progress=progress)
        self.stdout.write("")
        for r in reports:
            self.stdout.write(f"{r.column}: 检查 / examined {r.examined}, 重新加密 / rotated {r.rotated}")
        self.stdout.write(self.style.SUCCESS(f"完成 / done (active key {crypto.active_key_id()})"))

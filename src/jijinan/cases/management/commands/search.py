"""`jijinan search rebuild`: index every case again for the keyword search, with a progress bar."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from jijinan.cases.search import REBUILD_BATCH, case_search_rebuild


class Command(BaseCommand):
    help = "关键词检索索引：全部重建 / The keyword search index: rebuild it (search rebuild)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild_help = ("重新索引全部急难事项，并移除已不存在事项的条目；已有事项的部署运行一次 / index every "
                        "case again and forget the entries of cases that no longer exist; run once on a "
                        "deployment with existing cases")
        rebuild = sub.add_parser("rebuild", help=rebuild_help, description=rebuild_help)
        rebuild.add_argument("--batch-size", type=int, default=REBUILD_BATCH,
                             help=f"每个事务索引的事项数（默认 {REBUILD_BATCH}）/ cases per transaction "
                                  f"(default {REBUILD_BATCH})")

    def handle(self, *args: Any, **options: Any) -> None:
        # The bar goes to stderr, so the final count on stdout stays one clean line for scripts.
        bar = tqdm(total=0, unit="件", desc="急难事项 / cases", file=self.stderr._out, dynamic_ncols=True)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = case_search_rebuild(batch_size=max(1, options["batch_size"]), progress=progress)
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"检索索引已重建：{result.indexed} 件事项，移除 {result.removed} 条已不存在事项的条目 / "
            f"search index rebuilt: {result.indexed} cases indexed, {result.removed} entries of deleted "
            f"cases removed"))

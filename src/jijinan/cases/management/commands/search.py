"""`jijinan search rebuild`: index every case again for the keyword search, then the registry's
search keys (given names, partial indexes, addresses), with a progress bar."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from jijinan.cases.search import REBUILD_BATCH, case_search_rebuild
from jijinan.registry.search import registry_search_rebuild


class Command(BaseCommand):
    help = "关键词检索索引：全部重建 / The keyword search index: rebuild it (search rebuild)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild_help = ("重新索引全部急难事项和救助对象、家庭的查找信息，并移除已不存在记录的条目；已有事项的部署"
                        "运行一次 / index every case, and the search keys of persons and households, again "
                        "and forget the entries of records that no longer exist; run once on a deployment "
                        "with existing cases")
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
        bar = tqdm(total=0, unit="人", desc="救助对象 / persons", file=self.stderr._out, dynamic_ncols=True)
        try:
            registry = registry_search_rebuild(batch_size=max(1, options["batch_size"]), progress=progress)
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"检索索引已重建：{result.indexed} 件事项，移除 {result.removed} 条已不存在事项的条目 / "
            f"search index rebuilt: {result.indexed} cases indexed, {result.removed} entries of deleted "
            f"cases removed"))
        self.stdout.write(self.style.SUCCESS(
            f"救助对象查找信息已重建：{registry.persons} 人，{registry.households} 户，移除 {registry.removed} 条 / "
            f"registry search keys rebuilt: {registry.persons} persons, {registry.households} households, "
            f"{registry.removed} entries removed"))

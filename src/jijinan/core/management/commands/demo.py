"""`jijinan demo`: load the demo data of every app (repeatable)."""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jijinan.core.demo import demo_run, demo_steps


def _pad(text: str, width: int) -> str:
    """Left-justify counting Chinese characters as two columns, as a terminal shows them."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


class Command(BaseCommand):
    help = "载入演示数据（可重复运行）/ Load demo data (a second run changes nothing)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--scale", type=int, default=0,
                            help="规模：0 为演示，更大的数生成大规模合成数据 / "
                                 "0 is the demo; larger builds a synthetic province")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if scale < 0 or scale > 1000:
            raise CommandError("--scale 须在 0 到 1000 之间 / --scale must be between 0 and 1000")
        steps = demo_steps()
        done = 0

        def progress(name: str) -> None:
            nonlocal done
            done += 1
            self.stdout.write(f"[{done}/{len(steps)}] {name}")

        ctx = demo_run(scale=scale, stdout=self.stdout, progress=progress)
        for what, n in sorted(ctx.counts.items()):
            self.stdout.write(f"  新建 / created {what}: {n}")
        self.stdout.write(self.style.SUCCESS("演示数据就绪 / demo data ready"))
        self.stdout.write(f"演示账号 / demo logins ({settings.JIJINAN_SITE_URL}/):")
        for role, username, password in ctx.logins:
            self.stdout.write(f"  {_pad(role, 22)} {username:<24} {password}")

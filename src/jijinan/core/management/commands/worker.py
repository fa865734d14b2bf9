"""`jijinan worker`: runs queued jobs and the periodic scheduler until stopped."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from jijinan.core.jobs.queue import Worker


class Command(BaseCommand):
    help = "运行后台进程：排队任务与周期任务 / Run queued jobs and periodic jobs until stopped"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="运行到期任务后退出 / run the due jobs, then exit")
        parser.add_argument("--poll", type=float, default=1.0,
                            help="空闲时的轮询间隔（秒）/ seconds between polls when idle")
        parser.add_argument("--no-periodic", action="store_true",
                            help="不触发周期任务 / do not fire periodic jobs")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(poll_seconds=options["poll"], run_periodic=not options["no_periodic"])
        if options["once"]:
            worker.heartbeat()
            ran = worker.tick()
            ran += worker.drain()
            self.stdout.write(f"已运行任务 / jobs run: {ran}")
            return
        self.stdout.write(f"后台进程已启动 / worker started: {worker.worker_id}")
        worker.run_forever()

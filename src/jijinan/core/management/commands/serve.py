"""`jijinan serve`: the web server, with the background worker beside it when asked."""

from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网页服务 / Serve the web application (production: gunicorn jijinan.wsgi)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000",
                            help="监听地址 / address:port (默认 default 127.0.0.1:8000)")
        parser.add_argument("--with-worker", action="store_true",
                            help="同时启动后台进程 / start a worker beside the server")
        parser.add_argument("--reload", action="store_true",
                            help="代码改动时自动重启（开发用）/ restart on code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        if options["with_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "jijinan", "worker"])
            self.stdout.write(f"后台进程 / worker pid {worker.pid}")
        try:
            call_command("runserver", options["addrport"], use_reloader=options["reload"])
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

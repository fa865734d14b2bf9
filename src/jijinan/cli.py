"""The `jijinan` command: one front for what operators run (serve, worker, demo, migrate …)."""

from __future__ import annotations

import os
import sys

# name → (中文说明, English description); every other Django command runs via `jijinan manage`.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("启动网页服务（可同时启动后台进程）", "serve the web application (optionally with a worker)"),
    "worker": ("运行后台进程：排队任务与周期任务", "run the background worker: queued and periodic jobs"),
    "demo": ("载入演示数据（可重复运行，--scale N 生成大规模数据）",
             "load demo data (repeatable; --scale N builds a synthetic province)"),
    "migrate": ("更新数据库结构", "apply database migrations"),
    "check": ("检查配置", "check the configuration"),
    "import": ("导入部门数据文件（jijinan import 来源 文件）",
               "import a department data file (jijinan import SOURCE FILE)"),
    "audit": ("审计链：校验或立即封存（audit verify | seal）",
              "audit chains: verify, or seal now (audit verify | seal)"),
    "search": ("关键词检索索引：全部重建（search rebuild）", "the keyword search index: rebuild it (search rebuild)"),
    "keys": ("受保护数据的密钥：轮换、状态（keys rotate | status）",
             "keys of protected data: rotate, status"),
    "manage": ("运行任意 Django 管理命令", "run any Django management command"),
}

HELP = """用法 / usage: jijinan <命令 command> [参数 options]

救急难 — 急难社会救助工作平台
Jijinan — emergency social assistance platform

命令 / commands:
{rows}

每个命令的说明 / help on one command:  jijinan <命令 command> --help
"""


def _help_text() -> str:
    width = max(len(n) for n in COMMANDS)
    rows = "\n".join(f"  {n.ljust(width)}  {zh}\n  {' ' * width}  {en}" for n, (zh, en) in COMMANDS.items())
    return HELP.format(rows=rows)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(_help_text())
        return
    if args[0] == "--version":
        from jijinan import __version__

        sys.stdout.write(f"jijinan {__version__}\n")
        return
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        sys.stderr.write(f"未知命令 / unknown command: {command}\n\n{_help_text()}")
        raise SystemExit(2)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jijinan.settings")
    from django.core.management import execute_from_command_line

    if command == "manage":
        execute_from_command_line(["jijinan manage", *rest])
    else:
        execute_from_command_line([f"jijinan {command}", command, *rest])

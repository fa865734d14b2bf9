"""The `jijinan` command: help, unknown commands, and a repeatable demo."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jijinan.accounts.models import User
from jijinan.cli import COMMANDS


def _jijinan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jijinan", *args], capture_output=True,
                          text=True, timeout=60, check=False)


def test_help_lists_every_command_in_chinese_and_english():
    out = _jijinan("--help")
    assert out.returncode == 0
    for name, (zh, en) in COMMANDS.items():
        assert name in out.stdout
        assert zh in out.stdout
        assert en in out.stdout
    assert {"serve", "worker", "demo", "migrate"} <= set(COMMANDS)


def test_unknown_command_exits_2_with_a_bilingual_message():
    out = _jijinan("frobnicate")
    assert out.returncode == 2
    assert "未知命令" in out.stderr
    assert "unknown command" in out.stderr


def test_command_help_is_bilingual():
    out = _jijinan("worker", "--help")
    assert out.returncode == 0
    assert "后台" in out.stdout
    assert "periodic" in out.stdout


@pytest.mark.django_db
def test_demo_is_repeatable_and_prints_logins(settings):
    settings.JIJINAN_SITE_URL = "http://127.0.0.1:8001"  # `make run PORT=8001`
    first, second = io.StringIO(), io.StringIO()
    call_command("demo", stdout=first)
    users_after_first = list(User.objects.order_by("pk").values_list("username", "password"))
    call_command("demo", stdout=second)
    assert list(User.objects.order_by("pk").values_list("username", "password")) == \
        users_after_first
    assert "created users: 1" in first.getvalue()
    assert "created users: 0" in second.getvalue()
    assert "admin" in second.getvalue()
    assert "demo logins (http://127.0.0.1:8001/)" in second.getvalue()
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_demo_rejects_an_absurd_scale():
    with pytest.raises(CommandError):
        call_command("demo", scale=-1, stdout=io.StringIO())


def test_make_run_serves_on_the_port_given():
    """`make run PORT=8001` serves there and tells the demo's links the same address."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=root, capture_output=True, text=True,
                         check=True)
    assert "jijinan serve --with-worker 127.0.0.1:8001" in out.stdout
    default = subprocess.run(["make", "-n", "run"], cwd=root, capture_output=True, text=True, check=True)
    assert "jijinan serve --with-worker 127.0.0.1:8000" in default.stdout


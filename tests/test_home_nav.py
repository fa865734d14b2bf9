"""The home page answers "what now" for every role (due and overdue work, what waits, unread
notices, each empty one with a next step), and the main menu: at most seven groups, only what the
user may open, an accessible menu button."""

from __future__ import annotations

import re

from django.test import Client

from jijinan.accounts.models import User
from jijinan.core.permissions import Role
from tests.world import PASSWORD, XUANWU, persona

MEIYUAN = "320102002000"


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _home(user: User) -> str:
    response = _client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str, code: str) -> str:
    """The HTML of one home panel (empty when it is not shown)."""
    found = re.search(r'<article[^>]*data-panel="' + re.escape(code) + r'".*?</article>', page, re.S)
    return found.group(0) if found else ""


def _count(panel: str) -> int:
    found = re.search(r'data-testid="panel-count">(\d+)<', panel)
    assert found, panel
    return int(found.group(1))


def test_debug(world):
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    print(_home(clerk))
    assert 0
